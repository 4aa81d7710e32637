"""Reading model imports: one for a member of its project, and its snapshot (the API's answer
and the websocket's first message)."""

from __future__ import annotations

from typing import Any

from annotations.permissions import get_in_project
from cellweb.jobs.api import job_row_public
from cellweb.jobs.snapshot import live_snapshot
from inference.models import ModelImportJob

__all__ = ["model_import_get", "model_import_outcome", "model_import_snapshot"]


def model_import_get(*, user, job_id: int) -> ModelImportJob:
    """The import if ``user`` is a member of its project (outsiders get 404)."""
    return get_in_project(user, ModelImportJob.objects, job_id, "No such model import.")


def model_import_snapshot(job: ModelImportJob) -> dict[str, Any]:
    """The job as the API shows it (``cellweb.jobs.snapshot``)."""
    return live_snapshot("model_import", job, _model_import_public)


def _model_import_public(job: ModelImportJob) -> dict[str, Any]:
    return {
        **job_row_public(job),
        "url": f"/model-imports/{job.pk}/",
        "original_name": job.original_name,
        "arch": job.arch or None,
        "name": job.name,
        **model_import_outcome(job),
    }


def model_import_outcome(job: ModelImportJob) -> dict[str, Any]:
    """What the import has come to: its latest line, the version it stored (with the models
    page's row of it) and its result; the snapshot and each status event carry it."""
    version = job.model_version_id
    return {
        "message": job.message,
        "progress": job.progress,
        "model_version": version,
        "version_url": f"/projects/{job.project.slug}/models/#model-version-{version}"
        if version
        else None,
        "result": job.result or {},
    }
