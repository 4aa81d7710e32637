"""A cancel no user asked for records no user and says why: a command interrupted with Ctrl+C,
and any other system cancel."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cellweb.jobs import job_cancel
from cellweb.jobs.cancel_note import job_cancel_public, job_cancel_time
from inference.models import TrainingJob
from inference.services import training as services
from tests.helpers_training import add_specimens
from tests.jobkind_app.models import Chore


def test_a_system_cancel_records_no_user_and_says_so(db):
    cancelled = job_cancel("chore", job=Chore.objects.create(), user=None)
    at = job_cancel_time(cancelled.cancel_requested_at)
    assert cancelled.cancelled_by is None
    assert cancelled.cancel_reason == "system cancel; no reason given"
    note = job_cancel_public(cancelled)
    assert note["cancelled_by"] is None
    assert (
        note["cancel_note"] == f"Cancelled by the system at {at} — system cancel; no reason given"
    )


def test_a_user_deleted_after_cancelling_is_still_told_from_the_system(db):
    # What a user's cancel leaves once the user is deleted (the link nulled, the name kept).
    gone = Chore.objects.create(
        status="cancelled",
        cancel_requested=True,
        cancel_requested_at=timezone.now(),
        cancelled_by_name="kim",
        cancel_reason="typo",
    )
    at = job_cancel_time(gone.cancel_requested_at)
    assert job_cancel_public(gone)["cancelled_by"] == "kim"
    assert job_cancel_public(gone)["cancel_note"] == (
        f"Cancelled by kim (a deleted user) at {at} — typo"
    )
    by_system = job_cancel("chore", job=Chore.objects.create(), user=None)
    assert job_cancel_public(by_system)["cancel_note"].startswith("Cancelled by the system at ")


def test_a_job_cancelled_before_the_record_existed_says_it_is_not_known(db):
    old = Chore.objects.create(status="cancelled", cancel_requested=True)
    assert job_cancel_public(old)["cancel_note"] == (
        "Cancelled; who cancelled it and why were not recorded."
    )
    assert job_cancel_public(Chore.objects.create())["cancel_note"] is None


def test_train_wait_interrupted_cancels_the_job_as_the_system_with_its_reason(
    project, make_volume, monkeypatch
):
    add_specimens(project, make_volume, 4, sections=2)

    def interrupted(**kwargs):
        raise KeyboardInterrupt  # Ctrl+C while the folds run here

    monkeypatch.setattr(services, "training_job_run_foreground", interrupted)
    args = ["--project", project.slug, "--arch", "unet16", "--folds", "2", "--epochs", "1"]
    with pytest.raises(CommandError, match="is cancelled"):
        call_command("train", *args, "--input-size", "32", "--wait", stdout=StringIO())
    job = TrainingJob.objects.get()
    assert job.cancelled_by is None and job.cancel_reason == "interrupted at the command line"
    for fold in job.folds.all():
        assert fold.status == "cancelled" and fold.cancel_reason == "training job cancelled"
