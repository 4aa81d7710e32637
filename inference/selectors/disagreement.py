"""Reading disagreement scorings: one for a member of its project, and its snapshot (the API's
answer and the websocket's first message)."""

from __future__ import annotations

from typing import Any

from annotations.permissions import get_in_project
from cellweb.events import current_event_seq
from cellweb.jobs.api import job_row_public
from cellweb.jobs.cancel_note import job_cancel_public
from inference.models import DisagreementJob

__all__ = ["disagreement_get", "disagreement_snapshot"]


def disagreement_get(*, user, job_id: int) -> DisagreementJob:
    """The scoring if ``user`` is a member of its project (outsiders get 404)."""
    return get_in_project(user, DisagreementJob.objects, job_id, "No such disagreement scoring.")


def disagreement_snapshot(job: DisagreementJob) -> dict[str, Any]:
    """The job as the API shows it, with the event ``seq`` read before the row."""
    seq = current_event_seq("disagreement", job.pk)
    rows = DisagreementJob.objects.select_related("project", "created_by", "cancelled_by")
    job = rows.get(pk=job.pk)
    return {
        **job_row_public(job),
        "training_job": job.training_job_id,
        "threshold": job.threshold,
        "sections": job.sections,
        **job_cancel_public(job),
        "result": job.result or {},
        "seq": seq,
    }
