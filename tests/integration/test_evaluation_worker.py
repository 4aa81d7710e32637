"""An evaluation job end to end: launched like the web does, run by a real Celery worker on
Redis and PostgreSQL, followed live over the job websocket, leaving results, masks and a report."""

from __future__ import annotations

import pytest

from annotations.demo import make_cell
from annotations.models import Specimen
from cellweb.celery import app as celery_app
from inference.ml.fluorescence import FluorescenceGTParams
from inference.models import Evaluation, SectionResult, VolumeResult
from inference.services.evaluation import evaluation_launch
from inference.services.fluorescence_gt import fluorescence_gt_create
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_isl import demo_specimen
from tests.helpers_jobs import poll_job
from tests.helpers_training import POOLED_METRICS
from tests.integration.test_training_websocket import assert_succeeded, watch_job

pytestmark = pytest.mark.integration

SHAPE = (8, 64, 64)


def demo_like(project, n: int = 3) -> list[Specimen]:
    """Synthetic cells as in the demo (one with a dark nucleus), each with its DAPI stack."""
    specimens = []
    for i in range(n):
        cell = make_cell(seed=500 + i, shape=SHAPE, lab="A" if i else "B", dark_nucleus=i == 2)
        specimen, _ = demo_specimen(project, cell, f"demo-{i}", "KAIST" if i else "Mannheim")
        specimens.append(specimen)
    return specimens


def wait_for(evaluation_id: int, timeout: float = 120.0) -> Evaluation:
    return poll_job(Evaluation, evaluation_id, timeout=timeout)


def test_a_cross_modality_evaluation_runs_on_the_worker_and_streams_its_progress(
    asgi_server, worker_factory, project, manager, reviewer
):
    celery_app.control.purge()
    demo_like(project)
    fluorescence_gt_create(
        project=project, user=reviewer, params=FluorescenceGTParams(scope="volume")
    )
    version = tiny_model_version(project, input_size=64)
    evaluation = evaluation_launch(
        project=project,
        user=manager,
        model_version_id=version.pk,
        set_kind="cross_modality",
    )
    snapshot, events, worker = watch_job(
        asgi_server, worker_factory, "evaluation", evaluation.pk, worker="eval-worker"
    )

    assert snapshot["job"]["id"] == evaluation.pk and snapshot["job"]["status"] == "queued"
    assert snapshot["job"]["folds"][0]["index"] == -1
    final = events[-1]
    assert_succeeded(final, worker)
    progress = [e for e in events if e["type"] == "progress"]
    assert progress and all("fold" not in e and e["batches"] == 3 * SHAPE[0] for e in progress)
    assert all(e["kind"] == "evaluation" and e["id"] == evaluation.pk for e in events)
    assert progress[-1]["batch"] == 3 * SHAPE[0]
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and all(s > snapshot["job"]["seq"] for s in seqs)
    assert set(final["summary"]["metrics"]) == POOLED_METRICS

    evaluation = wait_for(evaluation.pk)
    assert evaluation.status == "succeeded" and evaluation.progress == 1.0
    assert evaluation.gt_source == "fluorescence"
    assert SectionResult.objects.filter(evaluation=evaluation).count() == 3 * 3 * SHAPE[0]
    for result in VolumeResult.objects.filter(evaluation=evaluation):
        assert result.pred_mask.storage.exists(result.pred_mask.name)
        assert result.dice_3d is not None and result.gt_volume_um3 > 0
    assert evaluation.report.storage.exists(evaluation.report.name)
    assert any("eval-worker" in line["line"] for line in evaluation.log)
