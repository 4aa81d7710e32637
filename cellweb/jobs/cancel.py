"""One cancel path for every kind.

Who may cancel is the kind's ``may_cancel`` (by default ``settings.JOB_CANCEL_RULE``: a manager
of the job's project or the person who launched it); a finished job is a conflict (409). A queued job
ends cancelled now; a running one is asked to stop and stops at its next progress check.
Cancelling a parent (a training job) does the same to each of its children and then lets the
parent gather.

Every cancelled row records who asked (``cancelled_by``, and their username in
``cancelled_by_name``, which outlives a deleted account; none for the system), when
(``cancel_requested_at``) and why (``cancel_reason``: the canceller's words, trimmed and at most
``CANCEL_REASON_CHARS``, or the system's reason); a second cancel of a running row keeps the
first record. A parent's children record no user and the reason that their parent was
cancelled; the parent holds who and why.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from cellweb.errors import ConflictError, InvalidInput
from cellweb.jobs.fields import CANCEL_REASON_CHARS, FINAL_STATUSES, JobStatus
from cellweb.jobs.kinds import JobKind, kinds
from cellweb.jobs.lifecycle import CANCELLING, kind_named, mark_final


def _child_kind(parent: JobKind) -> JobKind:
    return next(k for k in kinds() if k.parent == parent.name)


# The reason a system cancel records when its caller gives none.
SYSTEM_REASON = "system cancel; no reason given"
_NOTE_FIELDS = [
    "cancel_requested",
    "cancelled_by",
    "cancelled_by_name",
    "cancel_requested_at",
    "cancel_reason",
]


def cancel_reason_clean(reason: str | None) -> str:
    """A cancel's reason, trimmed; InvalidInput (400) when it is not text or too long."""
    if reason is None:
        return ""
    if not isinstance(reason, str):
        raise InvalidInput("The reason must be text.")
    reason = reason.strip()
    if len(reason) > CANCEL_REASON_CHARS:
        raise InvalidInput(
            f"The reason is {len(reason)} characters long; at most {CANCEL_REASON_CHARS} are kept."
        )
    return reason


def _note(row: Any, *, user, reason: str, at) -> None:
    """Record the request; a row already asked to stop keeps who asked first, and why."""
    if row.cancel_requested and row.cancel_requested_at is not None:
        return
    row.cancel_requested = True
    row.cancelled_by = user
    row.cancelled_by_name = user.get_username() if user is not None else ""
    row.cancel_requested_at = at
    row.cancel_reason = reason


def _cancel_row(kind: JobKind, row: Any, *, stop_running_now: bool) -> None:
    if row.status == JobStatus.QUEUED or stop_running_now:
        mark_final(kind, row, JobStatus.CANCELLED, fields=_NOTE_FIELDS)
    else:
        row.message = CANCELLING
        row.save(update_fields=[*_NOTE_FIELDS, "message"])


def job_cancel(
    kind_name: str,
    *,
    job: Any,
    user,
    reason: str | None = None,
    stop_running_now: bool = False,
) -> Any:
    """Cancel ``job`` for ``user`` (None: the system) and record who, when and ``reason``
    (optional for a user; a system cancel without one records ``SYSTEM_REASON``).
    ``stop_running_now`` also ends running rows at once; only for the process that runs them
    (``manage.py train --wait`` after Ctrl+C), which will not reach another progress check."""
    kind = kind_named(kind_name)
    if user is not None:
        kind.may_cancel(user, job)
    reason = cancel_reason_clean(reason)
    if user is None and not reason:
        reason = SYSTEM_REASON
    now = timezone.now()
    with transaction.atomic():
        locked = kind.model.objects.select_for_update().get(pk=job.pk)
        if locked.status in FINAL_STATUSES:
            raise ConflictError(
                f"This job has already ended ({locked.status}).",
                code="job_finished",
                current={"status": locked.status},
            )
        _note(locked, user=user, reason=reason, at=now)
        children = kind.children(locked)
        if children is None:
            _cancel_row(kind, locked, stop_running_now=stop_running_now)
        else:
            locked.message = CANCELLING
            locked.save(update_fields=[*_NOTE_FIELDS, "message"])
            child_kind = _child_kind(kind)
            because = f"{kind.name.replace('_', ' ')} job cancelled"
            for child in children.select_for_update().exclude(status__in=FINAL_STATUSES):
                _note(child, user=None, reason=because, at=now)
                _cancel_row(child_kind, child, stop_running_now=stop_running_now)
            transaction.on_commit(lambda: kind.gather(locked.pk))
    locked.refresh_from_db()
    return locked
