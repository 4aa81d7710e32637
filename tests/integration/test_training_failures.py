"""Cancel, a killed worker and a fold that keeps failing, with real workers: nothing stays running."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from annotations.models import Volume
from cellweb.celery import app as celery_app
from inference.models import EpochLog, FoldRun
from inference.services.training import training_job_cancel, training_job_launch
from tests.helpers_training import SINGLE_THREAD_ENV, add_specimens, tiny_config, wait_for_job

pytestmark = pytest.mark.integration

# The broker gives an unacknowledged message back after this long; the sweep declares a fold's
# worker gone after this many seconds without a heartbeat.
RECOVERY_ENV = {
    **SINGLE_THREAD_ENV,
    "CELLWEB_VISIBILITY_TIMEOUT": "10",
    "CELLWEB_HEARTBEAT_TIMEOUT": "5",
}


def _fold_running(index: int, *, epoch: int = 0):
    def check(job) -> bool:
        fold = job.folds.get(index=index)
        return fold.status == "running" and fold.epoch >= epoch and (epoch or fold.batch >= 1)

    return check


def test_cancel_stops_the_running_fold_at_its_next_batch(
    worker_factory, project, manager, training_cells
):
    worker = worker_factory(name="cancel-worker", extra_env=SINGLE_THREAD_ENV)
    job = training_job_launch(
        project=project, user=manager, config=tiny_config(epochs=2000, batch_size=1)
    )
    wait_for_job(job.pk, until=_fold_running(0), logs=[worker])

    training_job_cancel(job=job, user=manager)
    job = wait_for_job(job.pk, timeout=30, logs=[worker])

    assert job.status == "cancelled"
    assert list(job.folds.order_by("index").values_list("status", flat=True)) == [
        "cancelled",
        "cancelled",
    ]
    assert job.folds.get(index=0).epoch < 2000
    assert job.folds.get(index=1).started_at is None  # queued: never trained


def test_a_killed_worker_leads_to_a_resumed_fold_never_a_stuck_one(
    worker_factory, project, manager, training_cells
):
    first = worker_factory(name="doomed-worker", extra_env=RECOVERY_ENV)
    job = training_job_launch(project=project, user=manager, config=tiny_config(epochs=20))
    running = wait_for_job(job.pk, until=_fold_running(0, epoch=2), logs=[first])
    killed_at = running.folds.get(index=0).epoch

    first.kill()  # SIGKILL to the whole process group: no cleanup, no ack
    first.proc.wait(10)
    second = worker_factory(name="rescue-worker", extra_env=RECOVERY_ENV)
    job = wait_for_job(job.pk, timeout=150, logs=[first, second])

    fold = job.folds.get(index=0)
    assert job.status == "succeeded", (job.error, second.log_text()[-3000:])
    assert fold.status == "succeeded" and fold.attempts >= 2
    assert fold.worker.startswith("rescue-worker-")
    epochs = list(EpochLog.objects.filter(fold=fold).values_list("epoch", flat=True))
    # Resumed after epoch ``killed_at``: no epoch lost or doubled.
    assert epochs == list(range(1, 21))
    resumed = [
        line["line"]
        for line in fold.log
        if "worker lost" in line["line"] or "heartbeat" in line["line"]
    ]
    assert resumed, fold.log
    assert killed_at >= 2


def test_a_fold_that_keeps_failing_ends_failed_with_its_error_shown(
    worker_factory, project, manager, make_volume
):
    celery_app.control.purge()
    add_specimens(project, make_volume, 2, sections=1)
    for volume in Volume.objects.all():  # the images vanished from storage
        default_storage.delete(volume.data.name)
    worker = worker_factory(
        name="failing-worker", extra_env={**SINGLE_THREAD_ENV, "CELLWEB_TRAINING_MAX_RETRIES": "1"}
    )
    job = training_job_launch(project=project, user=manager, config=tiny_config())
    job = wait_for_job(job.pk, timeout=60, logs=[worker])

    assert job.status == "failed"
    for fold in FoldRun.objects.filter(job=job):
        assert fold.status == "failed" and fold.attempts == 2, fold.log
        assert "FileNotFoundError" in fold.error
    assert "fold 1 failed: FileNotFoundError" in job.error
