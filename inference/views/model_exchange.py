"""Pages of model exchange: the models page's import form and the page that follows the import's
job live."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from annotations.models import Role
from annotations.permissions import get_project
from cellweb.errors import DomainError, NotAllowed
from cellweb.pages import refused
from inference.forms_model_exchange import ModelImportForm
from inference.services.model_exchange import model_import_launch
from inference.views.training import render_models_page


@login_required
@require_POST
def model_import_page(request, slug: str):
    try:
        project = get_project(request.user, slug, Role.MANAGER)
    except NotAllowed as exc:
        return refused(request, exc)
    form = ModelImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render_models_page(request, project, import_form=form, status=400)
    try:
        job = model_import_launch(
            project=project,
            user=request.user,
            upload=form.cleaned_data["file"],
            arch=form.cleaned_data["arch"] or None,
            name=form.cleaned_data["name"],
        )
    except DomainError as exc:
        form.add_error("file", exc.message)
        return render_models_page(request, project, import_form=form, status=exc.status_code)
    return redirect("model-import-job", job_id=job.pk)
