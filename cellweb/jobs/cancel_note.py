"""Who cancelled a job, when and why, as its API answer, its page and the commands show it.

``job_cancel_public`` gives the fields (the canceller's username, the time, the reason and one
readable line); ``job_cancel_line`` the line alone: "Cancelled by alice at 2026-12-07 09:12 UTC —
the wrong snapshot", "Cancelled by the system at ... — training job cancelled", or, while a
running job has not yet reached its next progress check, "Cancel requested by ...". A cancel
that came after the run's last progress check (its report, its final transaction) did not stop
it: "...; the job succeeded before the cancel took effect" (or failed). A user deleted since is
named by the username stored when they cancelled (``cancelled_by_name``): "Cancelled by alice
(a deleted user) at ...", never "by the system". A job cancelled before these fields were
recorded says that who and why are not known.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from cellweb.jobs.fields import JobStatus

# The time format of the line (the server's time zone, named).
TIME_FORMAT = "%Y-%m-%d %H:%M %Z"


def job_cancel_time(at) -> str:
    """``at`` in the server's time zone, to the minute, with the zone's name."""
    return timezone.localtime(at).strftime(TIME_FORMAT)


def _canceller(job: Any) -> str | None:
    """The canceller's username: the account's, else the one stored when they cancelled."""
    user = job.cancelled_by if job.cancelled_by_id else None
    return user.get_username() if user is not None else (job.cancelled_by_name or None)


def _by(job: Any) -> str:
    """Who, for the line: the user, a deleted user (their stored name), or the system."""
    if job.cancelled_by_id:
        return f"by {job.cancelled_by.get_username()}"
    if job.cancelled_by_name:
        return f"by {job.cancelled_by_name} (a deleted user)"
    return "by the system"


def job_cancel_line(job: Any) -> str | None:
    """The readable line; None when nobody asked to cancel the job."""
    cancelled = job.status == JobStatus.CANCELLED
    if not job.cancel_requested and not cancelled:
        return None
    if job.cancel_requested_at is None:
        return "Cancelled; who cancelled it and why were not recorded." if cancelled else None
    head = "Cancelled" if cancelled else "Cancel requested"
    line = f"{head} {_by(job)} at {job_cancel_time(job.cancel_requested_at)}"
    line = f"{line} — {job.cancel_reason}" if job.cancel_reason else line
    if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        # Asked after the run's last progress check: the job ended its own way first.
        return f"{line}; the job {job.status} before the cancel took effect"
    return line


def job_cancel_public(job: Any) -> dict[str, Any]:
    """The cancel fields of a job's answer (``JobCancelSerializer``); load ``cancelled_by``
    with the row (``select_related``) to save a query."""
    at = job.cancel_requested_at
    return {
        "cancel_requested": job.cancel_requested,
        "cancelled_by": _canceller(job) if job.cancel_requested else None,
        "cancel_requested_at": at.isoformat() if at else None,
        "cancel_reason": job.cancel_reason or None,
        "cancel_note": job_cancel_line(job),
    }
