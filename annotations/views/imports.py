"""Pages of imports: the upload form and the live page of one import job."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from annotations.forms import ImportForm
from annotations.models import Modality, Role
from annotations.permissions import get_project
from annotations.selectors import imports as selectors
from annotations.selectors.specimens import specimen_names
from annotations.services.imports import import_job_create
from annotations.views.context import project_context as _project_context
from cellweb.errors import DomainError, NotAllowed
from cellweb.pages import refused as _refused


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request, slug: str):
    try:
        project = get_project(request.user, slug, Role.MANAGER)
    except NotAllowed as exc:
        return _refused(request, exc)
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            values = form.cleaned_data
            try:
                job = import_job_create(
                    project=project,
                    user=request.user,
                    upload=values["file"],
                    specimen_name=values["specimen"],
                    modality=values["modality"],
                    channel=values.get("channel") or "",
                    dataset=values.get("dataset") or "",
                    time_index=values.get("time"),
                    lab=values.get("lab") or "",
                    voxel_size=values.get("voxel_size"),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                return redirect("import-job", job_id=job.pk)
        else:
            status = 400
    else:
        form = ImportForm(initial={"modality": Modality.RI})
    context = _project_context(request, project) | {
        "form": form,
        "specimen_names": specimen_names(project=project),
        "recent_jobs": selectors.import_jobs_recent(project=project),
    }
    return render(request, "annotations/import_form.html", context, status=status)


@login_required
def import_job_page(request, job_id: int):
    try:
        job = selectors.import_job_get(user=request.user, job_id=job_id)
    except NotAllowed as exc:
        return _refused(request, exc)
    status = selectors.import_job_status(job=job)
    config = {
        "module": "import",
        "wsUrl": f"/ws/jobs/import/{job.pk}/",
        "statusUrl": f"/api/import-jobs/{job.pk}/",
        "doneUrl": f"/projects/{job.project.slug}/",
        "specimenUrl": status["specimen_url"],
        "job": status,
    }
    context = _project_context(request, job.project) | {
        "job": job,
        "status": status,
        "percent": round(100 * (job.progress or 0)),
        "config": config,
    }
    return render(request, "annotations/import_job.html", context)
