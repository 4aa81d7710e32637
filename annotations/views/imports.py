"""Pages of imports: the upload form and the live page of one import job."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from annotations.forms_imports import ImportFolderForm, ImportForm
from annotations.models import Modality, Role
from annotations.permissions import get_project
from annotations.selectors import imports as selectors
from annotations.selectors.specimens import specimen_names
from annotations.services.imports import import_job_create
from annotations.services.imports.batch import import_batch_create
from annotations.views.context import project_context as _project_context
from cellweb.errors import DomainError
from cellweb.pages import refusing


def _submit(request, form_class, action, **initial):
    """(form, status, outcome): on POST, the bound form's values and its options given to
    ``action``; a refused action becomes the form's error with its status."""
    if request.method != "POST":
        return form_class(initial=initial or None), 200, None
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        return form, 400, None
    try:
        return form, 200, action(form.cleaned_data, form.import_options())
    except DomainError as exc:
        form.add_error(None, exc.message)
        return form, exc.status_code, None


def _manager_project(request, slug: str):
    return get_project(request.user, slug, Role.MANAGER)


@login_required
@require_http_methods(["GET", "POST"])
@refusing
def import_page(request, slug: str):
    project = _manager_project(request, slug)

    def create(values, options):
        return import_job_create(
            project=project,
            user=request.user,
            upload=values["file"],
            specimen_name=values["specimen"],
            options=options,
        )

    form, status, job = _submit(request, ImportForm, create, modality=Modality.RI)
    if job is not None:
        return redirect("import-job", job_id=job.pk)
    context = _project_context(request, project) | {
        "form": form,
        "specimen_names": specimen_names(project=project),
        "recent_jobs": selectors.import_jobs_recent(project=project),
    }
    return render(request, "annotations/import_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@refusing
def import_folder_page(request, slug: str):
    """Several files at once, paired into fields by a name pattern; the report lists each
    field's job, each refused field and each skipped file with its reason."""
    project = _manager_project(request, slug)

    def create(values, options):
        return import_batch_create(
            project=project,
            user=request.user,
            files=values["files"],
            options=options,
            pattern=values["pattern"],
            label_free=values["label_free"],
            stain=values["stain"],
            stain_name=values["stain_name"],
        )

    form, status, batch = _submit(request, ImportFolderForm, create)
    report = selectors.import_batch_report(batch) if batch is not None else None
    context = _project_context(request, project) | {"form": form, "report": report}
    return render(
        request, "annotations/import_folder.html", context, status=202 if report else status
    )
