"""A cancel that comes after a run's last progress check (its report, its final transaction):
the job ends its own way, and neither its message nor its cancel note says "cancelling" for
ever."""

from __future__ import annotations

import pytest

from cellweb.jobs import JobStatus, job_cancel, job_execute, register
from cellweb.jobs.cancel_note import job_cancel_public
from inference.models import FoldRun
from inference.services.training import training_job_cancel, training_job_gather
from tests.helpers_training import add_specimens, tiny_job_launch
from tests.jobkind_app.job_kinds import ChoreKind
from tests.jobkind_app.models import Chore

pytestmark = pytest.mark.django_db


@register
class CancelledWhileReporting(ChoreKind):
    """Its cancel arrives while the report is written, after the last progress check."""

    name = "chore-cancelled-while-reporting"

    def report(self, job, ctx):
        job_cancel(self.name, job=job, user=None, reason="wrong snapshot")
        return {"report": "written"}


@register
class CancelledThenBroken(ChoreKind):
    """Its cancel arrives, then the work fails before it reaches another progress check."""

    name = "chore-cancelled-then-broken"

    def work(self, job, ctx):
        ctx.progress(0.5, message="half way")
        job_cancel(self.name, job=job, user=None, reason="not needed")
        raise RuntimeError("disk full")


def test_a_cancel_during_the_report_leaves_a_succeeded_job_that_says_so():
    chore = Chore.objects.create(steps=2)

    assert job_execute("chore-cancelled-while-reporting", chore.pk, worker="w") == "succeeded"

    chore.refresh_from_db()
    public = job_cancel_public(chore)
    assert chore.status == JobStatus.SUCCEEDED and chore.result["report"] == "written"
    assert chore.message == "finished before the cancel took effect"
    assert public["cancel_requested"] and public["cancel_reason"] == "wrong snapshot"
    assert public["cancel_note"].startswith("Cancel requested by the system at ")
    assert public["cancel_note"].endswith(
        "— wrong snapshot; the job succeeded before the cancel took effect"
    )


def test_a_failure_after_a_cancel_keeps_its_error_and_says_the_cancel_came_too_late():
    chore = Chore.objects.create()

    assert job_execute("chore-cancelled-then-broken", chore.pk, worker="w") == "failed"

    chore.refresh_from_db()
    assert chore.status == JobStatus.FAILED and "disk full" in chore.error
    assert chore.message == "failed before the cancel took effect"
    assert job_cancel_public(chore)["cancel_note"].endswith(
        "the job failed before the cancel took effect"
    )


def test_a_training_job_cancelled_while_its_last_fold_finishes_ends_succeeded_and_says_so(
    project, manager, make_volume
):
    add_specimens(project, make_volume, 2, sections=1)
    job = tiny_job_launch(project, manager)
    FoldRun.objects.filter(job=job).update(status=JobStatus.RUNNING)
    training_job_cancel(job=job, user=manager)  # the folds are in their final transaction
    FoldRun.objects.filter(job=job).update(status=JobStatus.SUCCEEDED)

    training_job_gather(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.message == "finished before the cancel took effect"
    note = job_cancel_public(job)["cancel_note"]
    assert note.startswith(f"Cancel requested by {manager.username} at ")
    assert note.endswith("the job succeeded before the cancel took effect")
