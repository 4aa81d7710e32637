"""Training and evaluation read ground truth as class maps and learn one target class.

A nucleus + cytoplasm project (the paper-002 preset) whose ground truth are class maps: value 1
nucleus disks inside value 2 cytoplasm rings. Binary training takes the nucleus pixels only (or
the cytoplasm's when asked); sections that hold no target are left out before a job is queued,
and a set where no section holds it is refused with a 409.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from annotations.imaging.labels import encode_class_map, encode_instance_map
from annotations.models import GroundTruth
from annotations.services.labels.presets import preset_classes
from cellweb.errors import ConflictError
from inference.class_target import class_target
from inference.datasets import load_pairs, snapshot_entries, training_tensors
from inference.models import Evaluation, SectionResult, TrainingJob
from inference.reports import report_context, results_csv_lines
from inference.services.evaluation import evaluation_launch, evaluation_run
from inference.services.training import (
    TrainingConfigError,
    training_estimate,
    training_job_run_foreground,
)
from tests.helpers_training import numbered_specimens, tiny_config, tiny_job_launch

pytestmark = pytest.mark.usefixtures("single_thread_torch")
SIZE = 32
LABELS = (1, 2)


def cell_map(rng: np.random.Generator) -> np.ndarray:
    """A nucleus disk (1) inside a cytoplasm disk (2), at a random place."""
    yy, xx = np.mgrid[:SIZE, :SIZE]
    cy, cx = rng.integers(12, 20, 2)
    distance = (yy - cy) ** 2 + (xx - cx) ** 2
    out = np.zeros((SIZE, SIZE), np.uint8)
    out[distance < 11**2] = 2
    out[distance < 5**2] = 1
    return out


def store_gt(section, data: bytes, pixels: int) -> GroundTruth:
    return GroundTruth.objects.create(
        section=section,
        source="consensus",
        version=1,
        mask_png=data,
        foreground_pixels=pixels,
        confirmed_at=timezone.now(),
        is_current=True,
    )


@pytest.fixture
def cells(project, make_volume):
    """Four specimens of two sections; each ground truth a nucleus + cytoplasm class map."""
    project.label_classes = preset_classes("nucleus-cytoplasm")
    project.save(update_fields=["label_classes"])
    rng = np.random.default_rng(3)
    maps = {}
    for specimen in numbered_specimens(project, 4, prefix="cell"):
        cell = [cell_map(rng) for _ in range(2)]
        image = np.stack([1.337 + 0.01 * (m == 2) + 0.03 * (m == 1) for m in cell])
        volume = make_volume(specimen, image.astype(np.float32))
        for section, class_map in zip(volume.sections.order_by("z"), cell):
            truth = store_gt(
                section, encode_class_map(class_map, LABELS), int((class_map > 0).sum())
            )
            maps[truth.pk] = class_map
    return maps


def launch_baselines(project, manager) -> Evaluation:
    """An evaluation of the baselines (no model) on every specimen of the project."""
    return evaluation_launch(
        project=project,
        user=manager,
        model_version_id=None,
        set_kind="specimens",
        set_params={"specimen_ids": list(project.specimens.values_list("pk", flat=True))},
        queue=False,
    )


def only_cytoplasm(truth_ids) -> None:
    """Replace these ground truths by masks that hold cytoplasm only (as ``--class cytoplasm``
    imports them)."""
    for truth in GroundTruth.objects.filter(pk__in=truth_ids):
        ring = np.zeros((SIZE, SIZE), np.uint8)
        ring[4:20, 4:20] = 2
        truth.mask_png = encode_class_map(ring, LABELS)
        truth.save(update_fields=["mask_png"])


def test_binary_nucleus_training_uses_only_the_nucleus_value(project, manager, cells):
    job = tiny_job_launch(project, manager)
    assert (job.config["target_class"], job.config["target_value"]) == ("nucleus", 1)
    entries = snapshot_entries(job.snapshot)
    _, masks = load_pairs(entries)
    for entry, mask in zip(entries, masks):
        assert mask.dtype == bool
        assert np.array_equal(mask, cells[entry.ground_truth_id] == 1)
    _, y = training_tensors(entries, input_size=SIZE)
    assert set(np.unique(y.numpy())) == {0.0, 1.0}

    job = training_job_run_foreground(job=job, device="cpu")
    assert job.status == "succeeded", [f.error for f in job.folds.all()]
    assert {v.config["target_value"] for v in job.model_versions.all()} == {1}


def test_a_named_class_trains_on_that_class(project, manager, cells):
    job = tiny_job_launch(project, manager, target_class="Cytoplasm")
    assert (job.config["target_class"], job.config["target_value"]) == ("cytoplasm", 2)
    entries = snapshot_entries(job.snapshot)
    _, masks = load_pairs(entries)
    _, cytoplasm = load_pairs(entries, class_target(project, value=2))
    assert all(np.array_equal(m, cells[e.ground_truth_id] == 2) for e, m in zip(entries, cytoplasm))
    assert all(np.array_equal(m, cells[e.ground_truth_id] == 1) for e, m in zip(entries, masks))


def test_an_unknown_class_is_refused_with_the_projects_classes(project, manager, cells):
    with pytest.raises(TrainingConfigError) as refused:
        tiny_job_launch(project, manager, target_class="membrane")
    assert "no class “membrane”" in refused.value.errors["target_class"]
    assert "nucleus (value 1), cytoplasm (value 2)" in refused.value.errors["target_class"]


def test_sections_without_the_target_are_left_out_before_queueing(project, manager, cells):
    lacking = sorted(cells)[:3]
    only_cytoplasm(lacking)
    estimate = training_estimate(project=project, config=tiny_config())
    assert estimate["problem"] is None
    assert (estimate["sections"], estimate["skipped_sections"]) == (5, 3)
    assert "3 sections left out" in estimate["skipped_message"]
    job = tiny_job_launch(project, manager)
    assert job.sections == 5
    assert not set(job.snapshot.entries.values_list("pk", flat=True)) & set(lacking)
    assert "3 sections left out: their ground truth holds other classes but no nucleus" in (
        job.message
    )


def test_a_set_where_no_section_holds_the_target_is_a_409_with_the_count(
    project, manager, cells, api
):
    only_cytoplasm(list(cells))
    response = api(manager).post(
        f"/api/projects/{project.slug}/training-jobs/",
        {**tiny_config().to_dict(), "target_class": ""},
        format="json",
    )
    assert response.status_code == 409, response.json()
    body = response.json()
    assert "None of the 8 sections" in body["detail"] and "“nucleus”" in body["detail"]
    assert body["current"] == {"sections": 8, "without_target": 8, "target": "nucleus"}
    assert not TrainingJob.objects.exists()
    # The cytoplasm is there: training on it is accepted.
    accepted = api(manager).post(
        f"/api/projects/{project.slug}/training-jobs/",
        {**tiny_config().to_dict(), "target_class": "cytoplasm"},
        format="json",
    )
    assert accepted.status_code == 201, accepted.json()


def test_instance_map_ground_truth_is_read_by_its_classes(project, manager, cells):
    truth = GroundTruth.objects.get(pk=min(cells))
    class_map = cells[truth.pk]
    instances = (class_map > 0).astype(np.uint16)  # one cytoplasm instance ...
    instances[class_map == 1] = 2  # ... around one nucleus instance
    truth.mask_png = encode_instance_map(instances, {1: 2, 2: 1}, LABELS)
    truth.save(update_fields=["mask_png"])
    job = tiny_job_launch(project, manager)
    entries = [e for e in snapshot_entries(job.snapshot) if e.ground_truth_id == truth.pk]
    _, (mask,) = load_pairs(entries)
    assert np.array_equal(mask, class_map == 1)


def test_evaluation_scores_the_nucleus_of_class_map_ground_truth(project, manager, cells):
    lacking = sorted(cells)[:1]
    only_cytoplasm(lacking)
    evaluation = launch_baselines(project, manager)
    assert evaluation.config["target"] == {"value": 1, "name": "nucleus"}
    assert evaluation.config["excluded_without_target"] == 1
    result = evaluation_run(evaluation_id=evaluation.pk, device="cpu")
    assert result.status == "succeeded", (result.error, result.log[-1:])
    rows = SectionResult.objects.filter(evaluation=evaluation, method="otsu")
    assert rows.count() == 7
    for row in rows:
        # Every ground-truth pixel counted is a nucleus pixel: TP + FN is the nucleus area.
        assert row.tp + row.fn == int((cells[row.ground_truth_id] == 1).sum())
    # The summary, the CSV and the report name the class scored.
    assert result.summary["class"] == {"value": 1, "name": "nucleus"}
    table = list(csv.DictReader(io.StringIO("".join(results_csv_lines(result)))))
    assert {row["class"] for row in table} == {"nucleus"}
    assert report_context(result)["class_label"] == "nucleus"


def test_evaluation_of_a_set_without_the_target_is_a_409(project, manager, cells):
    only_cytoplasm(list(cells))
    with pytest.raises(ConflictError) as refused:
        launch_baselines(project, manager)
    assert refused.value.current == {"sections": 8, "without_target": 8, "target": "nucleus"}
    assert not Evaluation.objects.exists()


def test_manage_train_takes_the_class_by_name(project, cells, settings):
    settings.EMBEDDED_SERVICES = False
    tiny = ["--arch", "unet16", "--folds", "2", "--epochs", "1", "--input-size", "32"]
    out = io.StringIO()
    call_command("train", "--project", project.slug, *tiny, "--classes", "cytoplasm", stdout=out)
    assert "Learns class cytoplasm (value 2) against everything else." in out.getvalue()
    with pytest.raises(CommandError, match="has no class “membrane”; its classes are nucleus"):
        call_command("train", "--project", project.slug, *tiny, "--classes", "membrane")


def test_the_launch_form_offers_the_classes_with_the_nucleus_chosen(
    project, manager, cells, client
):
    client.force_login(manager)
    page = client.get(f"/projects/{project.slug}/training/").content.decode()
    assert 'name="target_class"' in page
    assert '<option value="nucleus" selected>nucleus</option>' in page
    assert '<option value="cytoplasm">cytoplasm</option>' in page
