"""A cross-validated training job run by a real Celery worker on Redis and PostgreSQL."""

from __future__ import annotations

import pytest

from inference.models import EpochLog, ModelVersion
from inference.services.training import training_job_launch
from tests.helpers_training import SINGLE_THREAD_ENV, tiny_config, wait_for_job

pytestmark = pytest.mark.integration


def test_a_two_fold_job_is_trained_by_the_worker_into_versions_and_a_summary(
    worker_factory, project, manager, training_cells
):
    worker = worker_factory(name="train-worker", extra_env=SINGLE_THREAD_ENV)
    job = training_job_launch(project=project, user=manager, config=tiny_config(epochs=2))

    job = wait_for_job(job.pk, logs=[worker])

    assert job.status == "succeeded", (job.error, worker.log_text()[-3000:])
    folds = list(job.folds.order_by("index"))
    for fold in folds:
        assert fold.status == "succeeded" and fold.attempts == 1
        assert fold.worker.startswith("train-worker-") and fold.device == "cpu (1 threads)"
        assert list(EpochLog.objects.filter(fold=fold).values_list("epoch", flat=True)) == [1, 2]
        assert fold.metrics["sections"] == fold.val_sections == 4
    versions = ModelVersion.objects.filter(job=job)
    assert versions.count() == 2
    for version in versions:
        assert version.weights.storage.exists(version.weights.name)
        assert version.created_by == manager and version.snapshot_id == job.snapshot_id
        assert version.val_specimens and version.code_version
    summary = job.summary["metrics"]
    for key in ("dice", "jaccard", "f05", "precision", "recall", "auc_pr"):
        assert len(summary[key]["per_fold"]) == 2 and "std" in summary[key]
