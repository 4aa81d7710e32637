"""Training on classes and instances end to end with a real Celery worker: a nucleus +
cytoplasm project whose ground truth holds touching nuclei as instances; a job with every class
and a distance output; its version predicts a class map and nuclei with their class, and
proposes label PNGs to the editor."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from annotations.imaging.label_values import stored_labels
from annotations.models import Section, Specimen
from cellweb.celery import app as celery_app
from inference.models import ModelVersion, Prediction
from inference.selectors.proposals import section_proposal
from inference.services.model_versions import model_version_activate
from inference.services.prediction import prediction_launch
from inference.services.training import training_job_launch
from tests.helpers_classes import add_cells, cell_image, touching_cell
from tests.helpers_jobs import poll_job
from tests.helpers_training import SINGLE_THREAD_ENV, tiny_config, wait_for_job

pytestmark = pytest.mark.integration


def _read(field) -> np.ndarray:
    with field.open("rb") as fh:
        return tifffile.imread(fh).reshape(1, 32, 32)  # one section: the TIFF reads as 2D


def test_a_classes_and_distance_job_trains_predicts_and_proposes_labels(
    worker_factory, project, manager, make_volume
):
    celery_app.control.purge()
    add_cells(project, make_volume)
    field = Specimen.objects.create(project=project, name="field")
    cell = touching_cell(np.random.default_rng(9))[0]
    volume = make_volume(field, cell_image(cell)[None])
    worker = worker_factory(name="classes-worker", extra_env=SINGLE_THREAD_ENV)

    config = tiny_config(classes="all", instance_head="distance", epochs=2, specimen_ids=[])
    job = training_job_launch(project=project, user=manager, config=config)
    job = wait_for_job(job.pk, logs=[worker])
    assert job.status == "succeeded", (job.error, worker.log_text()[-3000:])
    assert job.config["class_values"] == [1, 2] and job.config["instance_head"] == "distance"
    version = ModelVersion.objects.filter(job=job).order_by("pk").first()
    assert version.config["head_layout"] == {"n_classes": 3, "instance": "distance"}
    assert [c["name"] for c in version.config["classes"]] == ["nucleus", "cytoplasm"]

    prediction = prediction_launch(
        project=project, user=manager, model_version_id=version.pk, specimen_ids=[field.pk]
    )
    prediction = poll_job(
        Prediction, prediction.pk, timeout=120, failure=lambda p: worker.log_text()[-3000:]
    )
    assert prediction.status == "succeeded", prediction.error
    result = prediction.results.get()
    class_map, labels = _read(result.class_map), _read(result.labels)
    assert set(np.unique(class_map)) <= {0, 1, 2}
    # Every nucleus found lies in the nucleus class, and the table counts each one.
    ids = {int(i) for i in np.unique(labels) if i}
    assert {int(k) for k in result.instance_classes} == ids
    assert set(result.instance_classes.values()) <= {1}
    assert result.n_nuclei == len(ids) == len(result.nuclei)
    for nucleus in ids:
        assert set(np.unique(class_map[labels == nucleus])) == {1}

    # The active version's proposal for a section: its labels, as a 16-bit instance map.
    model_version_activate(version=version, user=manager)
    project.proposals = "offered"
    project.save(update_fields=["proposals"])
    proposal = section_proposal(Section.objects.get(volume=volume))
    assert proposal.model_version_id == version.pk and proposal.source == "computed"
    labels_png = stored_labels(proposal.png, (1, 2), (1,), (32, 32))
    assert labels_png.stored_instances
    assert set(labels_png.classes.values()) <= {1, 2}
    assert set(np.unique(labels_png.class_map)) <= {0, 1, 2}
