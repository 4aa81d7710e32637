"""The one sweeper: running jobs of every kind whose worker stopped sending heartbeats.

A silent job is queued again while its kind's retry policy allows (a fold resumes from its
checkpoint), else it fails (or ends cancelled when a cancel was pending), with its event, its
cleanup and its parent's gather. A job that ended but whose worker was killed before the steps
after its final commit (``finish_pending``: cleanup, finish, listeners, the parent's gather) has
them run, and a parent left open although every child has ended (its gather lost with a killed
worker) is gathered. Nothing reads-and-sweeps: pages and APIs only read.

It runs in the web process (``SweeperLifespan``, the ASGI lifespan of ``cellweb.asgi``), so a
dead worker's job is noticed even when no worker is alive, and in every worker (the
``worker_init``/``worker_ready`` signals of ``cellweb.jobs.tasks``); a cache lock lets one
process sweep per interval. ``manage.py sweep_jobs`` sweeps once, for a cron.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from cellweb.jobs.fields import FINAL_STATUSES, JobStatus
from cellweb.jobs.kinds import JobKind, kinds
from cellweb.jobs.lifecycle import after_final, emit_status, mark_final, requeue

logger = logging.getLogger(__name__)

LOCK_KEY = "jobs-sweep-lock"


def sweep_interval_s() -> float:
    return max(1.0, settings.HEARTBEAT_TIMEOUT_S / 4)


def lost_error(kind: JobKind, job, silent: int) -> str:
    """Why a silent job failed, and what comes next: a retrying kind out of attempts says so; a
    kind that is not retried says that nothing will run it again (never "attempt 1 of 2")."""
    head = f"The worker stopped responding (no heartbeat for {silent} s"
    if kind.retry.retrying:
        return f"{head}, attempt {job.attempts} of {kind.retry.max_attempts()}; no attempts left)."
    what = kind.name.replace("_", " ")
    return f"{head}). A {what} job is not run again after that: launch it again."


def _sweep_row(kind: JobKind, job_id: int, cutoff) -> bool:
    with transaction.atomic():
        job = kind.model.objects.select_for_update().filter(pk=job_id).first()
        last_sign = (job.heartbeat_at or job.started_at) if job is not None else None
        if job is None or job.status != JobStatus.RUNNING or not last_sign or last_sign >= cutoff:
            return False
        silent = int((timezone.now() - last_sign).total_seconds())
        worker = getattr(job, "worker", "") or "the worker"
        job.log_append(f"No heartbeat from {worker} for {silent} s.")
        parent = getattr(job, kind.parent_field) if kind.parent else None
        cancelled = job.cancel_requested or (parent is not None and parent.cancel_requested)
        note = kind.lost_note(job)
        if kind.retry.may_retry(job.attempts) and not cancelled:
            job.message = "worker stopped responding" + (f" {note}" if note else "") + "; re-queued"
            fields = ["message", "log", *requeue(kind, job)]
            job.save(update_fields=fields)
            emit_status(kind, job)
            return True
        if cancelled:
            mark_final(kind, job, JobStatus.CANCELLED, fields=["log"])
        else:
            mark_final(
                kind, job, JobStatus.FAILED, error=lost_error(kind, job, silent), fields=["log"]
            )
    return True


def jobs_sweep() -> int:
    """Sweep every kind once; returns how many jobs changed."""
    cutoff = timezone.now() - timedelta(seconds=settings.HEARTBEAT_TIMEOUT_S)
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    changed = 0
    for kind in kinds():
        changed += _finish_left(kind, cutoff)
        if not kind.runs:
            changed += _gather_ended(kind)
            continue
        ids = kind.model.objects.filter(silent, status=JobStatus.RUNNING)
        for job_id in list(ids.values_list("pk", flat=True)):
            changed += _sweep_row(kind, job_id, cutoff)
    return changed


def _finish_left(kind: JobKind, cutoff) -> int:
    """Run the steps after the final commit (cleanup, finish, listeners, the parent's gather)
    of the jobs that ended before ``cutoff`` but whose worker was killed before those steps
    had all run: an import's staged files, a retrain round waiting on its training job. Each
    step is idempotent; a row whose steps fail is logged and not tried again."""
    rows = kind.model.objects.filter(
        finish_pending=True, status__in=FINAL_STATUSES, finished_at__lt=cutoff
    )
    changed = 0
    for job in list(rows):
        logger.warning(
            "Finishing %s %s: its worker stopped after its final commit", kind.name, job.pk
        )
        after_final(kind, job)
        changed += 1
    return changed


def _gather_ended(parent: JobKind) -> int:
    """Gather the parents (training jobs) left open although every child has ended: a worker
    killed between a child's final commit and its parent's gather leaves nothing else that
    would (a redelivered message finds the child final and skips it). Gathering is idempotent."""
    child = next((k for k in kinds() if k.parent == parent.name), None)
    if child is None:
        return 0
    children = child.model.objects.filter(**{f"{child.parent_field}_id": OuterRef("pk")})
    open_rows = parent.model.objects.exclude(status__in=FINAL_STATUSES).filter(
        Exists(children), ~Exists(children.exclude(status__in=FINAL_STATUSES))
    )
    changed = 0
    for job_id in list(open_rows.values_list("pk", flat=True)):
        try:
            parent.gather(job_id)
        except Exception:  # one parent that cannot be gathered must not stop the sweep
            logger.exception("Gathering %s %s failed", parent.name, job_id)
            continue
        changed += parent.model.objects.filter(pk=job_id, status__in=FINAL_STATUSES).exists()
    return changed


def sweep_if_due() -> int | None:
    """Sweep unless another process did within the interval (None: not this process's turn)."""
    if not cache.add(LOCK_KEY, f"{os.getpid()}", timeout=max(1, int(sweep_interval_s()))):
        return None
    changed = jobs_sweep()
    if changed:
        logger.warning(
            "Re-queued, ended or finished %d job(s) whose worker stopped responding", changed
        )
    return changed


def _sweep_forever(stop: threading.Event) -> None:
    interval = sweep_interval_s()
    logger.info("Checking every %.0f s for jobs whose worker stopped responding", interval)
    while not stop.wait(interval):
        try:
            sweep_if_due()
        except Exception:  # the sweeper must outlive a database or cache hiccup
            logger.exception("Sweeping stale jobs failed")
        finally:
            close_old_connections()


_started: dict[str, threading.Event] = {}
_lock = threading.Lock()


def start_sweeper(where: str) -> threading.Event:
    """Start this process's sweeping thread once; returns the event that stops it."""
    with _lock:
        if "stop" not in _started:
            stop = threading.Event()
            threading.Thread(
                target=_sweep_forever, args=(stop,), name=f"job-sweeper-{where}", daemon=True
            ).start()
            _started["stop"] = stop
        return _started["stop"]


def stop_sweeper() -> None:
    with _lock:
        stop = _started.pop("stop", None)
    if stop is not None:
        stop.set()


class SweeperLifespan:
    """The ASGI lifespan of a web process: the sweeper runs from start-up to shut-down."""

    async def __call__(self, scope, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                start_sweeper("web")
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                stop_sweeper()
                await send({"type": "lifespan.shutdown.complete"})
                return
