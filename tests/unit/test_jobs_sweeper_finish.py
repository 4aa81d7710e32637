"""A worker killed between a job's final commit and the steps after it (cleanup, finish, the
kind's listeners): the row is final but those steps never ran. In these tests the commit's
callbacks are not run, which leaves exactly that state; the sweeper then runs the steps, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from annotations.models import ImportJob
from annotations.services.imports import ImportOptions, import_job_create, import_job_run
from cellweb.jobs.sweeper import jobs_sweep
from inference.models import FoldRun, RetrainRound, RoundState, TrainingJob
from inference.services.rounds import retrain_round_launch
from inference.services.training import training_job_gather
from tests.data_files import files_under, write_small_tcf
from tests.helpers_rounds import round_ready

pytestmark = pytest.mark.django_db


def _long_ago(model, pk: int, settings) -> None:
    """Ended longer ago than a heartbeat's timeout: its own worker would have finished it."""
    ago = timezone.now() - timedelta(seconds=settings.HEARTBEAT_TIMEOUT_S + 30)
    model.objects.filter(pk=pk).update(finished_at=ago)


def test_the_sweeper_removes_the_staged_file_of_an_import_killed_after_its_final_commit(
    project, manager, media_root, tmp_path, settings
):
    content = write_small_tcf(tmp_path / "cell.TCF").read_bytes()
    job = import_job_create(
        project=project,
        user=manager,
        upload=SimpleUploadedFile("cell.TCF", content),
        specimen_name="cell-01",
        options=ImportOptions(modality="ri"),
    )
    assert import_job_run(job_id=job.pk) == "succeeded"
    job.refresh_from_db()
    assert job.finish_pending and files_under(media_root / "staging")

    assert jobs_sweep() == 0  # its worker may still be finishing it
    _long_ago(ImportJob, job.pk, settings)
    assert jobs_sweep() == 1

    job.refresh_from_db()
    assert job.status == "succeeded" and not job.finish_pending
    assert files_under(media_root / "staging") == []
    assert jobs_sweep() == 0  # finished once


def test_the_sweeper_ends_a_retrain_round_whose_training_job_ended_without_its_listener(
    project, manager, make_volume, settings
):
    round_ready(project, manager, make_volume)
    row = retrain_round_launch(project=project, user=manager)
    job = row.training_job
    FoldRun.objects.filter(job=job).update(
        status="failed", error="CUDA out of memory", finished_at=timezone.now()
    )
    training_job_gather(job.pk)  # the last fold's gather; the worker dies after its commit
    job.refresh_from_db()
    assert job.status == "failed" and job.finish_pending
    assert RetrainRound.objects.get(pk=row.pk).state == RoundState.TRAINING

    _long_ago(TrainingJob, job.pk, settings)
    assert jobs_sweep() == 1

    row.refresh_from_db()
    assert row.state == RoundState.FAILED
    assert row.message.startswith("The fine-tuning job failed: fold 1 failed: CUDA out of memory")
    assert not TrainingJob.objects.get(pk=job.pk).finish_pending
    assert jobs_sweep() == 0
