"""Reading disagreement scorings: one for a member of its project, and its snapshot (the API's
answer and the websocket's first message)."""

from __future__ import annotations

from typing import Any

from annotations.permissions import get_in_project
from cellweb.jobs.api import job_row_public
from cellweb.jobs.snapshot import live_snapshot
from inference.models import DisagreementJob

__all__ = ["disagreement_get", "disagreement_snapshot"]


def disagreement_get(*, user, job_id: int) -> DisagreementJob:
    """The scoring if ``user`` is a member of its project (outsiders get 404)."""
    return get_in_project(user, DisagreementJob.objects, job_id, "No such disagreement scoring.")


def disagreement_snapshot(job: DisagreementJob) -> dict[str, Any]:
    """The job as the API shows it (``cellweb.jobs.snapshot``)."""
    return live_snapshot("disagreement", job, _disagreement_public)


def _disagreement_public(job: DisagreementJob) -> dict[str, Any]:
    return {
        **job_row_public(job),
        "training_job": job.training_job_id,
        "threshold": job.threshold,
        "sections": job.sections,
        "result": job.result or {},
    }
