"""One lifecycle for every kind: claim the row, run the work, end it, gather into the parent.

``job_execute`` is what the Celery task runs (and what a foreground run such as
``manage.py train --wait`` calls). The claim locks the row and refuses what must not run: a
finished job, a stale delivery (the row names another task), a live duplicate (the broker
redelivered a message while the first run's heartbeat is fresh). It counts the attempt, notes
a run that was cut short, honours a cancel and gives up after the kind's attempts. The run then
ends succeeded, failed (or queued again when the kind retries) or cancelled, each in a
transaction that checks the run still owns the job; the final state's event goes out after
commit, then the kind's cleanup and finish hooks run and the parent gathers (``finish_pending``
marks a row whose steps after commit have not all run: the sweeper runs them after a kill).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cellweb import events
from cellweb.errors import DomainError
from cellweb.jobs.context import JobCancelled, JobContext, JobSuperseded
from cellweb.jobs.fields import JobStatus
from cellweb.jobs.kinds import JobKind, get_kind
from cellweb.jobs.listeners import job_listeners_notify
from cellweb.jobs.queue import assign_task, send_after_commit

logger = logging.getLogger(__name__)

# What a job asked to stop says until it has stopped; "cancelled" once it has.
CANCELLING = "cancelling"
# A retried job waits this long before its next attempt (a busy GPU, a database hiccup).
RETRY_DELAY_S = 5


def kind_named(name: str) -> JobKind:
    kind = get_kind(name)
    if kind is None:
        raise LookupError(f"Unknown job kind {name!r}")
    return kind


def error_message(exc: BaseException) -> str:
    """What a person reads: a domain error's message as is, anything else with its class."""
    if isinstance(exc, DomainError):
        return exc.message[:2000]
    text = str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}"[:2000]


def emit_status(kind: JobKind, job: Any) -> None:
    target, target_id = kind.event_target(job)
    events.emit(target, target_id, {**kind.status_event(job), **kind.event_fields(job)})


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


def mark_final(
    kind: JobKind,
    job: Any,
    status: str,
    *,
    error: str = "",
    result: dict | None = None,
    fields: Iterable[str] = (),
) -> None:
    """End a locked row in ``status``; its event, cleanup, finish and the parent's gather
    follow after commit."""
    now = timezone.now()
    job.status = status
    job.finished_at = now
    job.error = error
    job.finish_pending = True  # until after_final has run (the sweeper's cue after a kill)
    names = ["status", "finished_at", "error", "finish_pending", *fields, *kind.ending(job)]
    if status == JobStatus.SUCCEEDED:
        job.progress = 1.0
        job.heartbeat_at = now
        names += ["progress", "heartbeat_at"]
    if result is not None:
        job.result = result
        names.append("result")
    names += settled_message(job)
    job.save(update_fields=_unique(names))
    emit_status(kind, job)
    transaction.on_commit(lambda: after_final(kind, job))


# What an ended job's "cancelling" becomes: "cancelled", or, for a cancel that came after the
# run's last progress check (its report, its final transaction), how the job ended instead.
SETTLED_MESSAGES = {
    JobStatus.CANCELLED: "cancelled",
    JobStatus.SUCCEEDED: "finished before the cancel took effect",
    JobStatus.FAILED: "failed before the cancel took effect",
}


def settled_message(job: Any) -> list[str]:
    """An ended job's "cancelling" says how it ended (it would otherwise outlive the job in
    every reader: API, pages, commands); the fields to save, if any."""
    if job.message == CANCELLING and job.status in SETTLED_MESSAGES:
        job.message = SETTLED_MESSAGES[job.status]
        return ["message"]
    return []


def after_final(kind: JobKind, job: Any) -> None:
    """Cleanup, finish, the kind's listeners and the parent's gather; one failing step does not
    skip the others. Then ``finish_pending`` is cleared: a worker killed before that leaves it
    set, and the sweeper runs these steps again (each is idempotent)."""
    steps = []
    if job.status != JobStatus.SUCCEEDED:
        steps.append(lambda: kind.cleanup(job))
    steps.append(lambda: kind.finish(job))
    steps.append(lambda: job_listeners_notify(kind.name, job))
    if kind.parent:
        parent_id = getattr(job, f"{kind.parent_field}_id")
        steps.append(lambda: kind_named(kind.parent).gather(parent_id))
    for step in steps:
        try:
            step()
        except Exception:  # the job has ended; what follows must not undo or hide that
            logger.exception("After %s %s ended", kind.name, job.pk)
    kind.model.objects.filter(pk=job.pk).update(finish_pending=False)
    job.finish_pending = False


def requeue(kind: JobKind, job: Any, *, countdown: float | None = None) -> list[str]:
    """Queue a locked row again under a new task id (sent after commit); returns the fields."""
    job.status = JobStatus.QUEUED
    assign_task(job)
    send_after_commit(kind.name, job.pk, job.task_id, countdown=countdown)
    return ["status", "task_id"]


def _parent_row(kind: JobKind, job: Any) -> Any:
    return getattr(job, kind.parent_field) if kind.parent else None


def _parent_started(kind: JobKind, parent: Any, now) -> None:
    parent_kind = kind_named(kind.parent)
    started = parent_kind.model.objects.filter(pk=parent.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    if started:
        parent.status = JobStatus.RUNNING
        emit_status(parent_kind, parent)


def _claim(
    kind: JobKind, job_id: int, *, worker: str, task_id: str | None, options, outer_atomic: bool
) -> JobContext | str:
    with transaction.atomic():
        job = kind.model.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return "skipped"
        if task_id is not None and job.task_id and job.task_id != task_id:
            return "skipped"  # a stale delivery: the job was queued again under another task
        if job.is_final:
            return "skipped"
        parent = _parent_row(kind, job)
        now = timezone.now()
        if job.cancel_requested or (parent is not None and parent.cancel_requested):
            job.cancel_requested = True
            mark_final(kind, job, JobStatus.CANCELLED, fields=["cancel_requested"])
            return "cancelled"
        interrupted = job.status == JobStatus.RUNNING
        timeout = timedelta(seconds=settings.HEARTBEAT_TIMEOUT_S)
        if interrupted and job.heartbeat_at and now - job.heartbeat_at < timeout:
            # The same message again while its first run is alive (the broker's visibility
            # timeout ran out on a long job): leave the job to that run.
            return "skipped"
        note = kind.lost_note(job)
        job.attempts += 1
        if interrupted:
            lost = f"worker lost {note}" if note else "worker lost"
            job.log_append(f"Attempt {job.attempts - 1} ended without finishing ({lost}).")
        if job.attempts > kind.retry.max_attempts():
            where = f" (last {note})" if note else ""
            error = job.error or (
                f"The worker running this job stopped {job.attempts - 1} times{where}; giving up."
            )
            mark_final(kind, job, JobStatus.FAILED, error=error, fields=["attempts", "log"])
            return "failed"
        job.status = JobStatus.RUNNING
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        ctx = JobContext(kind, job, worker=worker, options=options, outer_atomic=outer_atomic)
        fields = ["status", "started_at", "heartbeat_at", "attempts", "log"]
        fields += list(kind.started(job, ctx))
        job.log_append(f"Attempt {job.attempts} started on {ctx.where}.")
        job.save(update_fields=_unique(fields))
        if parent is not None:
            _parent_started(kind, parent, now)
        emit_status(kind, job)
    return ctx


def _end(kind: JobKind, ctx: JobContext, status: str, *, result: dict | None = None) -> bool:
    with transaction.atomic():
        try:
            job = ctx.lock()
        except JobSuperseded:
            return False
        mark_final(kind, job, status, result=result)
    ctx.job = job
    return True


def _failed(kind: JobKind, ctx: JobContext, exc: Exception, *, requeue_here: bool) -> str:
    message = error_message(exc)
    with transaction.atomic():
        try:
            job = ctx.lock()
        except JobSuperseded:
            return "skipped"
        job.log_append(traceback.format_exc())
        if kind.retry.may_retry(job.attempts) and not job.cancel_requested:
            job.status = JobStatus.QUEUED
            job.message = f"attempt {job.attempts} failed ({message[:300]}); retrying"
            job.error = message
            fields = ["status", "message", "error", "log"]
            if requeue_here:
                fields += requeue(kind, job, countdown=RETRY_DELAY_S)
            job.save(update_fields=_unique(fields))
            emit_status(kind, job)
            return "retry"
        mark_final(kind, job, JobStatus.FAILED, error=message, fields=["log"])
    return "failed"


def job_execute(
    kind_name: str,
    job_id: int,
    *,
    worker: str,
    task_id: str | None = None,
    options: dict[str, Any] | None = None,
) -> str:
    """Run (or resume) one job. Returns "succeeded", "failed", "cancelled", "retry" (failed with
    attempts left: queued again, by a new task when ``task_id`` is given, else for the caller to
    run again) or "skipped" (nothing to do here)."""
    kind = kind_named(kind_name)
    claimed = _claim(
        kind,
        job_id,
        worker=worker,
        task_id=task_id,
        options=options,
        outer_atomic=connection.in_atomic_block,
    )
    if isinstance(claimed, str):
        return claimed
    ctx = claimed
    try:
        try:
            if not kind.retry.resume:
                kind.cleanup(ctx.job)  # a clean start, whatever an earlier attempt left
            result = kind.work(ctx.job, ctx)
            if not ctx.ended:
                result = {**(result or {}), **(kind.report(ctx.job, ctx) or {})}
        finally:
            ctx.close()
    except JobSuperseded:
        logger.info("%s %s is owned elsewhere now; this run stops", kind.name, job_id)
        return "skipped"
    except JobCancelled:
        return "cancelled" if _end(kind, ctx, JobStatus.CANCELLED) else "skipped"
    except Exception as exc:  # the job must end in a final state whatever happened
        if isinstance(exc, DomainError):  # the input's fault, said to the user: no traceback
            logger.warning("%s %s failed: %s", kind.name, job_id, exc)
        else:
            logger.exception("%s %s failed", kind.name, job_id)
        return _failed(kind, ctx, exc, requeue_here=task_id is not None)
    if ctx.ended:
        return "succeeded"
    return "succeeded" if _end(kind, ctx, JobStatus.SUCCEEDED, result=result) else "skipped"


def job_fail_unstarted(
    kind_name: str, job_id: int, error: str, *, task_id: str | None = None
) -> bool:
    """Fail a job that is not running (it could not be queued or started)."""
    kind = kind_named(kind_name)
    with transaction.atomic():
        job = kind.model.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_final or job.status == JobStatus.RUNNING:
            return False
        if task_id is not None and job.task_id != task_id:
            return False
        mark_final(kind, job, JobStatus.FAILED, error=error)
    return True
