"""Pages that create a project from a preset and change its classes (on the settings page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from annotations.forms import LabelClassForm, ProjectCreateForm
from annotations.models import Role
from annotations.permissions import get_project
from annotations.services.labels import (
    label_class_add,
    label_class_delete,
    label_class_update,
    project_create,
)
from annotations.services.labels.creation import CREATE_PERMISSION
from annotations.views.projects import form_problems, settings_change, settings_response
from cellweb.errors import DomainError, NotAllowed
from cellweb.pages import refusing


@login_required
@require_http_methods(["GET", "POST"])
@refusing
def project_new_page(request):
    if not request.user.has_perm(CREATE_PERMISSION):
        raise NotAllowed(
            "Creating projects needs the “add project” permission; ask an administrator."
        )
    status = 200
    form = ProjectCreateForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                project = project_create(user=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(request, f"Project “{project.name}” created.")
                return redirect("project-settings", slug=project.slug)
        else:
            status = 400
    return render(request, "annotations/project_new.html", {"form": form}, status=status)


def _label_change(request, slug: str, change, success: str, *, adding: bool = False):
    """Run ``change(project, data)`` with the posted class; on a refusal, the settings page
    saying why (and, when adding, the add form as it was filled in)."""
    project = get_project(request.user, slug, Role.MANAGER)
    form = LabelClassForm(request.POST)
    if not form.is_valid():
        return settings_response(
            request,
            project,
            label_form=form if adding else None,
            label_error=form_problems(form),
            status=400,
        )
    return settings_change(
        request,
        project,
        lambda: change(project, form.cleaned_data),
        success=success,
        refusal="label_error",
        label_form=form if adding else None,
    )


@login_required
@require_POST
@refusing
def label_add_page(request, slug: str):
    return _label_change(
        request,
        slug,
        lambda project, data: label_class_add(project=project, **data),
        "Class added.",
        adding=True,
    )


@login_required
@require_POST
@refusing
def label_update_page(request, slug: str, value: int):
    return _label_change(
        request,
        slug,
        lambda project, data: label_class_update(
            project=project, value=value, user=request.user, **data
        ),
        "Class saved; masks are unchanged.",
    )


@login_required
@require_POST
@refusing
def label_delete_page(request, slug: str, value: int):
    project = get_project(request.user, slug, Role.MANAGER)
    return settings_change(
        request,
        project,
        lambda: label_class_delete(project=project, value=value, user=request.user),
        success="Class deleted.",
        refusal="label_error",
    )
