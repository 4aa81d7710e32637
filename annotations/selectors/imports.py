"""Reads for imports: an import job for those who may follow it, its status, recent imports."""

from __future__ import annotations

from django.http import Http404

from annotations.models import ImportJob, Project, Role
from annotations.permissions import require_role
from cellweb.jobs.cancel_note import job_cancel_public
from cellweb.jobs.snapshot import live_snapshot
from cellweb.words import counted


def import_job_status(*, job: ImportJob) -> dict:
    """What the import page shows (``cellweb.jobs.snapshot``)."""
    return live_snapshot("import", job, import_job_public)


def import_job_public(job: ImportJob) -> dict:
    specimen_url = f"/specimens/{job.specimen_id}/" if job.specimen_id else None
    return {
        "id": job.pk,
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "error": job.error,
        "result": _result_shown(job),
        "original_name": job.original_name,
        "project": job.project.slug,
        "specimen_url": specimen_url,
        "specimen_deleted": job.specimen_deleted,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "stale": job.is_stale(),
        **job_cancel_public(job),
    }


def _result_shown(job: ImportJob) -> dict:
    """The stored result as it reads now: once the imported specimen is deleted, its warnings
    (about its volumes, naming its page) no longer apply, and one note says so in their place.
    The stored result keeps them."""
    result = job.result or {}
    warnings = result.get("warnings") or []
    if not job.specimen_deleted or not warnings:
        return result
    name = result.get("specimen_name") or (result.get("specimen") or {}).get("name", "")
    verb = "was" if len(warnings) == 1 else "were"
    note = (
        f"{counted(len(warnings), 'warning')} of this import {verb} about specimen “{name}”, "
        f"deleted since: {'it no longer applies' if len(warnings) == 1 else 'they no longer apply'}."
    )
    return {**result, "warnings": [], "notes": [*(result.get("notes") or []), note]}


def import_job_get(*, user, job_id: int) -> ImportJob:
    """An import job for its project's managers (and whoever started it, while still a member)."""
    job = ImportJob.objects.select_related("project").filter(pk=job_id).first()
    if job is None:
        raise Http404("No such import.")
    if job.created_by_id is not None and job.created_by_id == user.pk:
        require_role(user, job.project)
    else:
        require_role(user, job.project, Role.MANAGER)
    return job


def import_jobs_recent(*, project: Project, limit: int = 10) -> list[ImportJob]:
    return list(
        ImportJob.objects.filter(project=project)
        .select_related("created_by")
        .order_by("-created_at")[:limit]
    )


def import_batch_report(batch) -> dict:
    """A batch upload's outcome as the API answers it and the page lists it."""
    return {
        "queued": [
            {
                "specimen": fieldfiles.specimen,
                "files": fieldfiles.names,
                "job": import_job_status(job=job),
            }
            for fieldfiles, job in batch.queued
        ],
        "refused": [
            {"specimen": fieldfiles.specimen, "files": fieldfiles.names, "reason": reason}
            for fieldfiles, reason in batch.refused
        ],
        "skipped": [{"file": name, "reason": reason} for name, reason in batch.skipped],
    }
