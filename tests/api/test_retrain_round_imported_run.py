"""A whole round in a project whose only ground truth is imported expert masks, run here (tiny
network, CPU, no worker): it fine-tunes on the imported masks, scores the held-out specimens
against them, and its pages and API name the source."""

from __future__ import annotations

import pytest

from annotations.models import GroundTruth
from cellweb.jobs.lifecycle import job_execute
from inference.models import RoundSettings, RoundState, SectionResult
from inference.services.model_versions import model_version_activate
from inference.services.rounds import retrain_round_launch
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_training import TINY, add_specimens, single_thread_torch  # noqa: F401

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("single_thread_torch"),
]


def run_here(queued) -> None:
    """Run every job sent to the broker, and those their ends queue, until none is left."""
    while queued:
        _, message = queued.pop(0)
        kind, job_id = message["args"]
        assert job_execute(kind, job_id, worker="here") == "succeeded", (kind, job_id)


def test_a_round_on_imported_masks_trains_and_scores_on_them(
    project, manager, make_volume, queued, client
):
    specimens = add_specimens(project, make_volume, 4, sections=2, source="imported")
    parent = tiny_model_version(project, name="trained on imported masks")
    parent.config = dict(TINY) | {"gt_source": "imported"}
    parent.save(update_fields=["config"])
    model_version_activate(version=parent, user=manager)
    RoundSettings.objects.create(project=project, epochs=1)

    row = retrain_round_launch(project=project, user=manager)
    run_here(queued)

    row.refresh_from_db()
    assert row.state == RoundState.DONE, row.message
    assert row.gt_source == "imported" and row.gt_sections == 8
    job = row.training_job
    assert job.status == "succeeded" and job.snapshot.source == "imported"
    assert sorted(job.config["specimen_ids"] + row.held_out_ids) == [s.pk for s in specimens]
    evaluation = row.evaluation
    assert evaluation.gt_source == "imported"
    assert evaluation.model_version_id == row.result_version_id
    scored = SectionResult.objects.filter(evaluation=evaluation, method="model")
    held_out_truth = GroundTruth.objects.filter(
        section__specimen_id__in=row.held_out_ids, source="imported", is_current=True
    )
    assert sorted(scored.values_list("section_id", flat=True)) == sorted(
        held_out_truth.values_list("section_id", flat=True)
    )
    assert row.dice_nucleus is not None

    client.force_login(manager)
    page = client.get(f"/projects/{project.slug}/rounds/1/").content.decode()
    assert '<strong data-role="gt-source">imported mask</strong> ground truth' in page
    assert '<tr data-row="gt-source"><th>Ground truth</th><td>Imported mask</td></tr>' in page
    listing = client.get(f"/projects/{project.slug}/rounds/").content.decode()
    assert '<td data-role="gt-source">Imported mask</td>' in listing
    assert "Ground truth: <strong>Imported mask</strong>, fixed by round 1" in listing
