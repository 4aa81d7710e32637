"""Pages for bringing data in and browsing it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from annotations.forms import ProjectSettingsForm
from annotations.models import Role
from annotations.permissions import get_project, get_specimen, user_roles
from annotations.selectors import data as selectors
from annotations.services.projects import project_settings_update
from cellweb.errors import DomainError, NotAllowed


def _refused(request, error: DomainError):
    messages.error(request, error.message)
    return render(request, "base.html", status=error.status_code)


def _project_context(request, project) -> dict:
    roles = user_roles(request.user, project)
    return {
        "project": project,
        "roles": selectors.sorted_roles(roles),
        "project_links": selectors.project_links(project, roles),
    }


@login_required
def home(request):
    return render(
        request, "annotations/home.html", {"projects": selectors.project_list(user=request.user)}
    )


@login_required
def project_page(request, slug: str):
    project = get_project(request.user, slug)
    lab = (request.GET.get("lab") or "").strip()[:100]
    tag = (request.GET.get("tag") or "").strip()[:64]
    search = (request.GET.get("q") or "").strip()[:200]
    context = _project_context(request, project) | {
        "specimens": selectors.specimen_list(
            project=project, lab=lab or None, tag=tag or None, search=search or None
        ),
        "filters": selectors.project_filters(project=project),
        "lab": lab,
        "tag": tag,
        "q": search,
        "settings": selectors.project_settings(project),
    }
    return render(request, "annotations/project.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def project_settings_page(request, slug: str):
    try:
        project = get_project(request.user, slug, Role.MANAGER)
    except NotAllowed as exc:
        return _refused(request, exc)
    status = 200
    if request.method == "POST":
        form = ProjectSettingsForm(request.POST)
        if form.is_valid():
            try:
                project_settings_update(project=project, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(request, "Project settings saved.")
                return redirect("project-settings", slug=project.slug)
        else:
            status = 400
    else:
        form = ProjectSettingsForm(initial=selectors.project_settings(project))
    return render(
        request,
        "annotations/project_settings.html",
        _project_context(request, project) | {"form": form},
        status=status,
    )


@login_required
def specimen_page(request, specimen_id: int):
    specimen = get_specimen(request.user, specimen_id)
    viewer = selectors.specimen_viewer(specimen=specimen)
    context = _project_context(request, specimen.project) | {
        "specimen": specimen,
        "config": viewer["config"],
        "volumes": viewer["volumes"],
        "tags": sorted(specimen.tags.values_list("name", flat=True)),
    }
    return render(request, "annotations/specimen.html", context)
