"""The job kinds of the annotations app (found by ``cellweb.jobs``'s registry)."""

from __future__ import annotations

from typing import Any

from annotations.models import ImportJob
from annotations.selectors.imports import import_job_get, import_job_public, import_job_status
from annotations.services.imports import import_job_finish, import_job_work
from cellweb.jobs import JobKind, register
from cellweb.jobs.pages import JobPage


def import_page_links(job: ImportJob, status: dict[str, Any]) -> dict[str, Any]:
    """Where the import page leads: back to the project, and to the specimen it made."""
    return {"doneUrl": f"/projects/{job.project.slug}/", "specimenUrl": status["specimen_url"]}


@register
class ImportKind(JobKind):
    """An uploaded file imported by a worker. Not retried: a refused file fails the same way
    every time; a run cut short by a lost worker starts again cleanly (imports are atomic)."""

    name = "import"
    model = ImportJob
    queue = "celery"
    page = JobPage("annotations/import_job.html", "import-jobs", "import", import_page_links)

    def work(self, job: ImportJob, ctx) -> dict[str, Any]:
        return import_job_work(job, ctx)

    def finish(self, job: ImportJob) -> None:
        import_job_finish(job)

    def status_event(self, job: ImportJob) -> dict[str, Any]:
        return {"type": "job_status", **import_job_public(job)}

    def get_for(self, user, job_id: int) -> ImportJob:
        return import_job_get(user=user, job_id=job_id)

    def snapshot(self, job: ImportJob) -> dict[str, Any]:
        return import_job_status(job=job)

    def may_cancel(self, user, job: ImportJob) -> None:
        import_job_get(user=user, job_id=job.pk)
