"""Training folds that break: a fold killed after an epoch resumes from its checkpoint, a second
delivery is skipped, a failing fold ends failed, cancel stops a running fold, a silent fold is
requeued and then failed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cellweb.jobs.sweeper import jobs_sweep
from inference.models import EpochLog, FoldRun, TrainingJob
from inference.services import training as services
from inference.services.training import (
    fold_data,
    fold_run_execute,
    training_job_cancel,
    training_job_run_foreground,
)
from inference.services.training import fold_trainer as trainer
from tests.helpers_training import tiny_job_launch

pytestmark = pytest.mark.usefixtures("single_thread_torch")


def test_a_fold_killed_after_an_epoch_resumes_from_its_checkpoint(
    project, manager, five_cells, monkeypatch
):
    job = tiny_job_launch(project, manager, epochs=3)
    fold = job.folds.get(index=0)
    original = trainer.FoldTrainer._end_epoch

    def die_after_first_epoch(self, entry):
        original(self, entry)
        raise KeyboardInterrupt  # like SIGKILL: nothing below runs, the fold stays "running"

    monkeypatch.setattr(trainer.FoldTrainer, "_end_epoch", die_after_first_epoch)
    with pytest.raises(KeyboardInterrupt):
        fold_run_execute(fold_id=fold.pk, worker="w1")
    monkeypatch.setattr(trainer.FoldTrainer, "_end_epoch", original)
    fold.refresh_from_db()
    assert (fold.status, fold.epoch, fold.attempts) == ("running", 1, 1)
    assert services.checkpoint_path(fold).exists()

    # The redelivered task arrives once the heartbeat is old: it takes over and resumes.
    FoldRun.objects.filter(pk=fold.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert fold_run_execute(fold_id=fold.pk, worker="w2") == "succeeded"
    fold.refresh_from_db()
    assert (fold.status, fold.attempts, fold.worker) == ("succeeded", 2, "w2")
    assert list(fold.epoch_logs.values_list("epoch", flat=True)) == [1, 2, 3]
    assert "worker lost at epoch 1" in " ".join(line["line"] for line in fold.log)


def test_a_second_delivery_while_the_first_run_is_alive_is_skipped(project, manager, five_cells):
    job = tiny_job_launch(project, manager)
    fold = job.folds.get(index=0)
    FoldRun.objects.filter(pk=fold.pk).update(
        status="running", attempts=1, heartbeat_at=timezone.now()
    )
    assert fold_run_execute(fold_id=fold.pk, worker="w2") == "skipped"
    fold.refresh_from_db()
    assert fold.attempts == 1 and not fold.epoch_logs.exists()


def test_a_fold_that_keeps_failing_ends_failed_with_its_error(
    project, manager, five_cells, monkeypatch, settings
):
    settings.TRAINING_MAX_RETRIES = 1

    def broken(*args, **kwargs):
        raise RuntimeError("the data loader exploded")

    monkeypatch.setattr(fold_data, "training_tensors", broken)
    job = tiny_job_launch(project, manager)
    job = training_job_run_foreground(job=job)
    assert job.status == "failed"
    for fold in job.folds.all():
        assert fold.status == "failed" and fold.attempts == 2
        assert "RuntimeError: the data loader exploded" in fold.error
    assert "fold 1 failed: RuntimeError: the data loader exploded" in job.error


def test_cancel_stops_a_running_fold_at_its_next_batch_and_cancels_queued_folds(
    project, manager, five_cells, monkeypatch, django_capture_on_commit_callbacks
):
    job = tiny_job_launch(project, manager, epochs=50, batch_size=1)
    original = trainer.FoldTrainer.on_batch
    seen = []

    def cancel_on_first_batch(self, done, total, loss):
        original(self, done, total, loss)
        seen.append(done)
        if len(seen) == 1:
            training_job_cancel(job=job, user=manager)

    monkeypatch.setattr(trainer.FoldTrainer, "on_batch", cancel_on_first_batch)
    first = job.folds.get(index=0)
    with django_capture_on_commit_callbacks(execute=True):
        assert fold_run_execute(fold_id=first.pk, worker="w") == "cancelled"
    assert seen == [1]  # stopped before the second batch
    job.refresh_from_db()
    assert job.status == "cancelled" and job.message == "cancelled"  # not "cancelling" for ever
    assert set(job.folds.values_list("status", flat=True)) == {"cancelled"}
    assert not EpochLog.objects.filter(fold__job=job).exists()
    # A queued fold whose task starts later is skipped.
    assert fold_run_execute(fold_id=job.folds.get(index=1).pk, worker="w") == "skipped"


def test_cancelling_an_ended_job_is_a_conflict(project, manager, five_cells):
    from cellweb.errors import ConflictError

    job = tiny_job_launch(project, manager)
    TrainingJob.objects.filter(pk=job.pk).update(status="succeeded")
    with pytest.raises(ConflictError):
        training_job_cancel(job=job, user=manager)


def test_a_silent_running_fold_is_requeued_then_failed_when_out_of_attempts(
    project, manager, five_cells, queued, settings, django_capture_on_commit_callbacks
):
    settings.TRAINING_MAX_RETRIES = 1
    job = tiny_job_launch(project, manager)
    fold = job.folds.get(index=0)
    old = timezone.now() - timedelta(seconds=settings.HEARTBEAT_TIMEOUT_S + 5)
    FoldRun.objects.filter(pk=fold.pk).update(
        status="running", attempts=1, heartbeat_at=old, task_id="t1"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_sweep() == 1
    fold.refresh_from_db()
    assert fold.status == "queued" and fold.task_id != "t1"
    assert queued[-1][1]["task_id"] == fold.task_id
    # The old delivery of t1, if the broker brings it back, no longer owns the fold.
    assert fold_run_execute(fold_id=fold.pk, worker="late", task_id="t1") == "skipped"

    FoldRun.objects.filter(pk=fold.pk).update(status="running", attempts=2, heartbeat_at=old)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_sweep() == 1
    fold.refresh_from_db()
    assert fold.status == "failed" and "stopped responding" in fold.error
    assert jobs_sweep() == 0
