"""The fields with which every kind's list rows begin: which job, its state, when and by whom."""

from __future__ import annotations

from typing import Any


def job_list_fields(job) -> dict[str, Any]:
    """Id, status, when it was created and finished, and who launched it (its creator loaded)."""
    return {
        "id": job.pk,
        "status": job.status,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "created_by": job.created_by.get_username() if job.created_by else None,
    }
