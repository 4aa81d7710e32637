"""A worker killed between a fold's final commit and its training job's gather: nothing else
would ever end the training job (the broker's redelivery finds the fold final and skips it), so
the sweeper gathers it; a training job with a fold still under way is left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cellweb.jobs import job_execute
from cellweb.jobs.sweeper import jobs_sweep
from inference.job_kinds import TrainingKind
from inference.models import FoldRun, TrainingJob
from tests.helpers_training import add_specimens, tiny_job_launch
from tests.jobkind_app.models import Chore

pytestmark = pytest.mark.django_db


def _lost_gather(job: TrainingJob, *statuses: str) -> None:
    """The folds ended as ``statuses`` and the job was left running, as a killed worker leaves
    it."""
    TrainingJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now())
    for index, status in enumerate(statuses):
        FoldRun.objects.filter(job=job, index=index).update(
            status=status, finished_at=timezone.now() if status != "running" else None
        )


def test_the_sweeper_ends_a_training_job_whose_folds_ended_without_its_gather(
    project, manager, make_volume, heard, django_capture_on_commit_callbacks
):
    add_specimens(project, make_volume, 2, sections=1)
    lost = tiny_job_launch(project, manager)
    _lost_gather(lost, "succeeded", "failed")
    FoldRun.objects.filter(job=lost, index=1).update(error="CUDA out of memory")
    under_way = tiny_job_launch(project, manager)
    _lost_gather(under_way, "succeeded", "running")
    # The redelivered message of the last fold: final, skipped, nothing gathered.
    assert job_execute("fold", lost.folds.get(index=1).pk, worker="w") == "skipped"
    assert TrainingJob.objects.get(pk=lost.pk).status == "running"

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_sweep() == 1

    lost.refresh_from_db()
    assert lost.status == "failed" and lost.finished_at and lost.gathered_at
    assert lost.error == "fold 2 failed: CUDA out of memory"
    assert TrainingJob.objects.get(pk=under_way.pk).status == "running"
    ended = [e for g, e in heard if g == f"job.training.{lost.pk}" and e["type"] == "job_status"]
    assert ended and ended[-1]["status"] == "failed"
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_sweep() == 0  # gathered once


def test_a_training_job_that_cannot_be_gathered_does_not_stop_the_sweep(
    project, manager, make_volume, settings, monkeypatch, django_capture_on_commit_callbacks
):
    add_specimens(project, make_volume, 2, sections=1)
    _lost_gather(tiny_job_launch(project, manager), "succeeded", "succeeded")
    old = timezone.now() - timedelta(seconds=settings.HEARTBEAT_TIMEOUT_S + 30)
    silent = Chore.objects.create(status="running", attempts=1, heartbeat_at=old)

    def broken(self, job_id):
        raise RuntimeError("summary bug")

    monkeypatch.setattr(TrainingKind, "gather", broken)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_sweep() == 1

    assert Chore.objects.get(pk=silent.pk).status == "failed"
