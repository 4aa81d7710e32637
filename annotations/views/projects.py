"""Project pages: the list of the user's projects, one project's specimens, its settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from annotations.forms import LabelClassForm, MemberAddForm, ProjectSettingsForm
from annotations.models import Role
from annotations.permissions import get_project, user_roles
from annotations.selectors.annotation import sent_back_to
from annotations.selectors.labels import label_classes
from annotations.selectors.members import annotator_shortfall, project_members
from annotations.selectors.projects import project_filters, project_list, project_settings
from annotations.selectors.specimens import specimen_list
from annotations.services.annotation.requirement import moved_words
from annotations.services.labels import suggested_colour
from annotations.services.projects import project_settings_update
from annotations.views.context import project_context
from cellweb.errors import DomainError
from cellweb.pages import refusing


@login_required
def home(request):
    context = {
        "projects": project_list(user=request.user),
        "sent_back": sent_back_to(user=request.user),
    }
    return render(request, "annotations/home.html", context)


@login_required
def project_page(request, slug: str):
    project = get_project(request.user, slug)
    lab = (request.GET.get("lab") or "").strip()[:100]
    tag = (request.GET.get("tag") or "").strip()[:64]
    search = (request.GET.get("q") or "").strip()[:200]
    context = project_context(request, project) | {
        "specimens": specimen_list(
            project=project, lab=lab or None, tag=tag or None, search=search or None
        ),
        "filters": project_filters(project=project),
        "lab": lab,
        "tag": tag,
        "q": search,
        "settings": project_settings(project),
        "sent_back": sent_back_to(user=request.user, project=project)
        if Role.ANNOTATOR in user_roles(request.user, project)
        else [],
        "annotator_shortfall": annotator_shortfall(project=project),
    }
    return render(request, "annotations/project.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@refusing
def project_settings_page(request, slug: str):
    project = get_project(request.user, slug, Role.MANAGER)
    status = 200
    if request.method == "POST":
        form = ProjectSettingsForm(request.POST)
        if form.is_valid():
            try:
                saved = project_settings_update(
                    project=project, actor=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                moved = moved_words(saved.moved)
                messages.success(
                    request, "Project settings saved." + (f" {moved}" if moved else "")
                )
                return redirect("project-settings", slug=project.slug)
        else:
            status = 400
    else:
        form = ProjectSettingsForm(initial=project_settings(project))
    return settings_response(request, project, form=form, status=status)


def settings_response(
    request,
    project,
    *,
    form=None,
    label_form=None,
    label_error: str = "",
    member_form=None,
    member_error: str = "",
    status: int = 200,
):
    """The settings page: the project's settings form, its label set and its members, with any
    refusal."""
    classes = label_classes(project)
    context = project_context(request, project) | {
        "form": form or ProjectSettingsForm(initial=project_settings(project)),
        "label_classes": classes,
        "label_form": label_form
        or LabelClassForm(initial={"colour": suggested_colour(classes), "kind": "region"}),
        "label_error": label_error,
        "members": project_members(project=project),
        "annotator_shortfall": annotator_shortfall(project=project),
        "member_form": member_form or MemberAddForm(),
        "member_error": member_error,
    }
    return render(request, "annotations/project_settings.html", context, status=status)


def form_problems(form) -> str:
    """A refused form's errors as one sentence per field, each led by the field's label."""
    return " ".join(
        f"{form.fields[name].label}: {' '.join(errors)}"
        if name in form.fields
        else " ".join(errors)
        for name, errors in form.errors.items()
    )


def settings_change(request, project, change, *, success, refusal: str, **shown):
    """Run ``change()`` (a service call); on success announce ``success`` (or ``success(result)``)
    and go back to the settings page, on a refusal show that page with its message as
    ``refusal`` (``label_error``, ``member_error``) beside what ``shown`` adds."""
    try:
        result = change()
    except DomainError as exc:
        return settings_response(
            request, project, **shown, **{refusal: exc.message}, status=exc.status_code
        )
    messages.success(request, success(result) if callable(success) else success)
    return redirect("project-settings", slug=project.slug)
