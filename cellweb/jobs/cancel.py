"""One cancel path for every kind.

Who may cancel is the kind's ``may_cancel`` (by default ``settings.JOB_CANCEL_RULE``: a manager
of the job's project or the person who launched it); a finished job is a conflict (409). A queued job
ends cancelled now; a running one is asked to stop and stops at its next progress check.
Cancelling a parent (a training job) does the same to each of its children and then lets the
parent gather.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from cellweb.errors import ConflictError
from cellweb.jobs.fields import FINAL_STATUSES, JobStatus
from cellweb.jobs.kinds import JobKind, kinds
from cellweb.jobs.lifecycle import kind_named, mark_final


def _child_kind(parent: JobKind) -> JobKind:
    return next(k for k in kinds() if k.parent == parent.name)


def _cancel_row(kind: JobKind, row: Any, *, stop_running_now: bool) -> None:
    row.cancel_requested = True
    if row.status == JobStatus.QUEUED or stop_running_now:
        mark_final(kind, row, JobStatus.CANCELLED, fields=["cancel_requested"])
    else:
        row.message = "cancelling"
        row.save(update_fields=["cancel_requested", "message"])


def job_cancel(kind_name: str, *, job: Any, user, stop_running_now: bool = False) -> Any:
    """Cancel ``job`` for ``user`` (None: the system). ``stop_running_now`` also ends running
    rows at once; only for the process that runs them (``manage.py train --wait`` after
    Ctrl+C), which will not reach another progress check."""
    kind = kind_named(kind_name)
    if user is not None:
        kind.may_cancel(user, job)
    with transaction.atomic():
        locked = kind.model.objects.select_for_update().get(pk=job.pk)
        if locked.status in FINAL_STATUSES:
            raise ConflictError(
                f"This job has already ended ({locked.status}).",
                code="job_finished",
                current={"status": locked.status},
            )
        children = kind.children(locked)
        if children is None:
            _cancel_row(kind, locked, stop_running_now=stop_running_now)
        else:
            locked.cancel_requested = True
            locked.message = "cancelling"
            locked.save(update_fields=["cancel_requested", "message"])
            child_kind = _child_kind(kind)
            for child in children.select_for_update().exclude(status__in=FINAL_STATUSES):
                _cancel_row(child_kind, child, stop_running_now=stop_running_now)
            transaction.on_commit(lambda: kind.gather(locked.pk))
    locked.refresh_from_db()
    return locked
