"""Whether a project already holds, or is already importing, a file of the same content."""

from __future__ import annotations

from annotations.models import ImportJob, Project, SourceFile
from cellweb.errors import ConflictError
from cellweb.jobs import JobStatus

__all__ = ["duplicate_check"]


def duplicate_check(*, project: Project, sha256: str, in_flight: bool = False) -> None:
    """Refuse a file whose exact content the project already holds (or, with ``in_flight``, is
    already queued or running as an upload)."""
    earlier = (
        SourceFile.objects.filter(project=project, sha256=sha256)
        .select_related("uploaded_by")
        .first()
    )
    if earlier is not None:
        specimens = sorted(set(earlier.volumes.values_list("specimen__name", flat=True)))
        where = f" (specimen {', '.join('“' + s + '”' for s in specimens)})" if specimens else ""
        by = f" by {earlier.uploaded_by.get_username()}" if earlier.uploaded_by else ""
        raise ConflictError(
            f"This file was already imported into project “{project.name}” as "
            f"“{earlier.original_name}” on {earlier.created_at:%Y-%m-%d %H:%M}{by}{where}; "
            "it was not imported again.",
            code="already_imported",
        )
    if not in_flight:
        return
    # A batch upload's field carries its stain as a companion; queued imports are few, so they
    # are searched here rather than by a JSON lookup that SQLite lacks.
    waiting = next(
        (
            job
            for job in ImportJob.objects.filter(
                project=project, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
            ).order_by("id")
            if sha256 in _job_checksums(job)
        ),
        None,
    )
    if waiting is not None:
        raise ConflictError(
            f"This file is already being imported (import #{waiting.pk} of “{waiting.original_name}”); "
            "wait for it to finish.",
            code="import_in_progress",
        )


def _job_checksums(job: ImportJob) -> set[str]:
    params = job.params or {}
    companions = params.get("companions") or []
    return {params.get("sha256")} | {c.get("sha256") for c in companions if isinstance(c, dict)}
