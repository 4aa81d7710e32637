"""The job framework in process: queueing after commit, the claim, cancel, the log cap, events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cellweb import events
from cellweb.errors import ConflictError, InvalidInput, NotAllowed
from cellweb.jobs import (
    LOG_LINES,
    JobKind,
    job_cancel,
    job_create,
    job_enqueue,
    job_execute,
    register,
)
from cellweb.jobs.kinds import get_kind
from tests.jobkind_app.job_kinds import ChoreKind
from tests.jobkind_app.models import Chore

pytestmark = pytest.mark.django_db


def queued_chore(**fields) -> Chore:
    with transaction.atomic():
        chore = Chore.objects.create(**fields)
        job_enqueue("chore", chore)
    chore.refresh_from_db()
    return chore


def test_every_kind_is_registered_once_under_its_name():
    for name in ("import", "evaluation", "training", "fold", "chore"):
        assert get_kind(name).name == name
    assert get_kind("fold").parent == "training" and not get_kind("training").runs
    assert get_kind("nonsense") is None


def test_a_job_is_sent_only_after_commit_on_its_kinds_queue_under_its_stored_task_id(
    queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        chore = queued_chore()
    assert queued == [] and chore.task_id
    for callback in callbacks:
        callback()
    ((_, message),) = queued
    assert message["args"] == ["chore", chore.pk]
    assert message["task_id"] == chore.task_id and message["queue"] == "celery"


def test_job_create_validates_saves_and_queues_only_when_asked(
    queued, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError), transaction.atomic():
        job_create("chore", Chore(steps=-1))
    assert not Chore.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        kept = job_create("chore", Chore(steps=1), queue=False)
        sent = job_create("chore", Chore(steps=1))
    assert [message["args"] for _, message in queued] == [["chore", sent.pk]]
    assert Chore.objects.get(pk=kept.pk).status == "queued" and not kept.task_id


def test_a_run_records_progress_events_and_its_result(heard, django_capture_on_commit_callbacks):
    chore = Chore.objects.create(steps=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert job_execute("chore", chore.pk, worker="w1") == "succeeded"
    chore.refresh_from_db()
    assert (chore.status, chore.progress, chore.result, chore.attempts) == (
        "succeeded",
        1.0,
        {"steps": 2},
        1,
    )
    assert chore.started_at and chore.finished_at and chore.message == "step 2 of 2"
    assert "Attempt 1 started on w1." in [line["line"] for line in chore.log]
    sent_events = [event for group, event in heard if group == f"job.chore.{chore.pk}"]
    assert [e["type"] for e in sent_events] == ["job_status", "progress", "progress", "job_status"]
    assert [e["status"] for e in sent_events if e["type"] == "job_status"] == [
        "running",
        "succeeded",
    ]
    assert all(e["kind"] == "chore" and e["id"] == chore.pk for e in sent_events)
    seqs = [e["seq"] for e in sent_events]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4
    assert events.current_event_seq("chore", chore.pk) == seqs[-1]
    assert [e["step"] for e in sent_events if e["type"] == "progress"] == [1, 2]


def test_the_claim_skips_a_finished_job_a_stale_delivery_and_a_live_duplicate():
    done = Chore.objects.create(status="succeeded", task_id="t1")
    assert job_execute("chore", done.pk, worker="w", task_id="t1") == "skipped"
    requeued = Chore.objects.create(task_id="t2")
    assert job_execute("chore", requeued.pk, worker="w", task_id="t-old") == "skipped"
    alive = Chore.objects.create(
        status="running", attempts=1, task_id="t3", heartbeat_at=timezone.now()
    )
    assert job_execute("chore", alive.pk, worker="w", task_id="t3") == "skipped"
    assert job_execute("chore", 10**9, worker="w") == "skipped"
    assert Chore.objects.get(pk=alive.pk).attempts == 1
    assert not Chore.objects.filter(runs__gt=0).exists()


def test_a_run_cut_short_is_taken_over_once_then_a_kind_without_retries_gives_up(settings):
    old = timezone.now() - timedelta(seconds=settings.HEARTBEAT_TIMEOUT_S + 5)
    lost = Chore.objects.create(status="running", attempts=1, heartbeat_at=old)
    assert job_execute("chore", lost.pk, worker="w2") == "succeeded"
    lost.refresh_from_db()
    assert lost.attempts == 2 and lost.runs == 1
    assert "Attempt 1 ended without finishing (worker lost)." in [x["line"] for x in lost.log]

    lost_twice = Chore.objects.create(status="running", attempts=2, heartbeat_at=old)
    assert job_execute("chore", lost_twice.pk, worker="w3") == "failed"
    lost_twice.refresh_from_db()
    assert lost_twice.status == "failed" and lost_twice.runs == 0
    assert "stopped 2 times" in lost_twice.error


def test_a_cancel_ends_a_queued_job_now_and_a_second_cancel_is_a_conflict(heard, queued):
    chore = queued_chore()
    cancelled = job_cancel("chore", job=chore, user=None)
    assert cancelled.status == "cancelled" and cancelled.finished_at
    assert job_execute("chore", chore.pk, worker="w", task_id=chore.task_id) == "skipped"
    assert Chore.objects.get(pk=chore.pk).runs == 0
    with pytest.raises(ConflictError):
        job_cancel("chore", job=cancelled, user=None)


def refuse_everyone(user, job) -> None:
    raise NotAllowed(f"{user} may not cancel {job}.")


def test_the_default_cancel_rule_is_the_one_the_settings_name_and_binds_users_only(
    heard, queued, django_user_model, settings
):
    settings.JOB_CANCEL_RULE = f"{__name__}.refuse_everyone"
    chore = queued_chore()
    someone = django_user_model.objects.create_user("someone", password="x")
    with pytest.raises(NotAllowed):
        job_cancel("chore", job=chore, user=someone)
    assert Chore.objects.get(pk=chore.pk).status == "queued"
    assert job_cancel("chore", job=chore, user=None).status == "cancelled"


@register
class SelfCancellingChore(ChoreKind):
    """Asks for its own cancel after the first step, as a person on the web would."""

    name = "chore-cancelled-midway"

    def work(self, job, ctx):
        ctx.progress(0.5, message="half way")
        job_cancel(self.name, job=job, user=None)
        ctx.progress(0.6, message="never recorded", force=True)
        raise AssertionError("a cancelled run goes on")


def test_a_running_job_stops_at_its_next_progress_check_after_a_cancel():
    chore = Chore.objects.create()
    assert job_execute("chore-cancelled-midway", chore.pk, worker="w") == "cancelled"
    chore.refresh_from_db()
    assert chore.status == "cancelled" and chore.message == "cancelled"
    assert chore.progress == 0.5 and chore.result == {}


@register
class ChattyChore(ChoreKind):
    name = "chore-chatty"

    def work(self, job, ctx):
        for n in range(LOG_LINES + 20):
            ctx.log(f"line {n}")


def test_one_log_cap_for_every_kind():
    chore = Chore.objects.create()
    job_execute("chore-chatty", chore.pk, worker="w")
    chore.refresh_from_db()
    assert len(chore.log) == LOG_LINES
    assert chore.log[-1]["line"] == f"line {LOG_LINES + 19}"


@register
class FailingChore(ChoreKind):
    name = "chore-failing"

    def work(self, job, ctx):
        raise RuntimeError("the disk is full")


def test_an_error_fails_a_kind_without_retries_with_its_class_and_traceback():
    chore = Chore.objects.create()
    assert job_execute("chore-failing", chore.pk, worker="w") == "failed"
    chore.refresh_from_db()
    assert chore.error == "RuntimeError: the disk is full"
    assert "Traceback" in chore.log[-1]["line"]


@register
class RefusedChore(ChoreKind):
    name = "chore-refused"

    def work(self, job, ctx):
        raise InvalidInput("The image contains NaN values.")


def test_a_refused_input_is_logged_as_one_warning_line_not_a_traceback(caplog):
    chore = Chore.objects.create()
    with caplog.at_level("WARNING", logger="cellweb.jobs.lifecycle"):
        assert job_execute("chore-refused", chore.pk, worker="w") == "failed"
    chore.refresh_from_db()
    assert chore.error == "The image contains NaN values."
    (record,) = [r for r in caplog.records if "chore-refused" in r.getMessage()]
    assert record.levelname == "WARNING" and record.exc_info is None
    assert record.getMessage().endswith("failed: The image contains NaN values.")


def test_sweep_jobs_sweeps_once_for_a_cron(settings):
    from io import StringIO

    from django.core.management import call_command

    old = timezone.now() - timedelta(seconds=settings.HEARTBEAT_TIMEOUT_S + 5)
    Chore.objects.create(status="running", attempts=1, heartbeat_at=old)
    out = StringIO()
    call_command("sweep_jobs", stdout=out)
    assert "1 job(s)" in out.getvalue()
    assert Chore.objects.get().status == "failed"


class _Unused(JobKind):
    """A kind that is never registered is never found."""

    name = "unregistered"
    model = Chore


def test_an_unregistered_kind_cannot_run():
    with pytest.raises(LookupError):
        job_execute("unregistered", 1, worker="w")
