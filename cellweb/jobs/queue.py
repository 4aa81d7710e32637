"""Queueing: a job gets its task id inside the caller's transaction and is sent after commit.

The stored task id is how a delivery proves it owns the row (a re-queued job's old message is
refused). When the broker cannot be reached the job fails at once with a clear error and its
event, the same for every kind, instead of waiting in "queued" forever.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def assign_task(job: Any) -> str:
    """A new task id on ``job`` (the caller saves ``task_id``)."""
    job.task_id = str(uuid.uuid4())
    return job.task_id


def send_after_commit(
    kind_name: str, job_id: int, task_id: str, *, countdown: float | None = None
) -> None:
    transaction.on_commit(lambda: send(kind_name, job_id, task_id, countdown=countdown))


def send(kind_name: str, job_id: int, task_id: str, *, countdown: float | None = None) -> None:
    from cellweb.jobs.lifecycle import job_fail_unstarted, kind_named
    from cellweb.jobs.tasks import run_job

    kind = kind_named(kind_name)
    try:
        run_job.apply_async(
            args=[kind_name, job_id], task_id=task_id, queue=kind.queue, countdown=countdown
        )
    except Exception as exc:  # broker down: say so on the job instead of leaving it queued
        logger.exception("Could not queue %s %s", kind_name, job_id)
        job_fail_unstarted(
            kind_name,
            job_id,
            f"The task queue could not be reached ({type(exc).__name__}: {exc}); "
            "nothing was run. Check that the broker (Redis) is up, then launch again.",
            task_id=task_id,
        )


def job_enqueue(kind_name: str, job: Any, *, countdown: float | None = None) -> None:
    """Queue a saved job row from inside the caller's transaction (sent after commit)."""
    assign_task(job)
    type(job).objects.filter(pk=job.pk).update(task_id=job.task_id)
    send_after_commit(kind_name, job.pk, job.task_id, countdown=countdown)


def job_create(kind_name: str, job: Any, *, queue: bool = True) -> Any:
    """Validate and save a new job row and, unless ``queue`` is false (it then waits, queued,
    for a caller that runs it in process), queue it; call inside the launching transaction."""
    job.full_clean()
    job.save()
    if queue:
        job_enqueue(kind_name, job)
    return job


def job_launch(kind_name: str, model: type, *, user: Any, queue: bool = True, **fields: Any) -> Any:
    """Create a job row of ``model`` launched by ``user`` and queue it, in one transaction. A
    signed-in user is recorded as ``created_by``; an anonymous one or none (a command) as none."""
    created_by = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        return job_create(kind_name, model(created_by=created_by, **fields), queue=queue)
