"""Pages of model exchange: the models page's import form and its bioimage.io export link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from annotations.models import Role
from annotations.permissions import get_project
from cellweb.errors import DomainError, NotAllowed
from cellweb.pages import refused
from inference.forms_model_exchange import ModelImportForm
from inference.selectors.model_versions import verified_note
from inference.services.model_exchange import model_version_import_upload
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
        version = model_version_import_upload(
            project=project,
            user=request.user,
            upload=form.cleaned_data["file"],
            arch=form.cleaned_data["arch"] or None,
            name=form.cleaned_data["name"],
        )
    except DomainError as exc:
        form.add_error("file", exc.message)
        return render_models_page(request, project, import_form=form, status=exc.status_code)
    messages.success(request, f"Imported model version {version.pk}: {version.name}.")
    if note := version.origin.get("unverified"):
        messages.warning(request, f"Model version {version.pk} is unverified: {note}.")
    elif note := verified_note(version.origin.get("verified")):
        messages.success(request, f"Model version {version.pk} is verified: {note}.")
    return redirect("models", slug=project.slug)
