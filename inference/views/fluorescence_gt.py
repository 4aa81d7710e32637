"""Pages of fluorescence ground truth: the project page (parameters, preview, derive for every
paired volume) and one section's mask with the review editor to correct it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from annotations.permissions import REVIEW_ROLES, get_project, get_section
from annotations.views.context import project_context
from cellweb.errors import DomainError
from cellweb.pages import refused
from inference.forms_evaluation import FluorescenceGTForm
from inference.selectors import fluorescence_gt as selectors
from inference.selectors.stain_shift import stain_shift_panel
from inference.services.fluorescence_gt import fluorescence_gt_create

__all__ = ["fluorescence_gt_page", "section_fluorescence_gt_page"]


def _preview(project, form: FluorescenceGTForm) -> dict | None:
    if not form.is_valid():
        return None
    try:
        return selectors.fluorescence_gt_preview_page(
            project,
            section_id=form.cleaned_data.get("section"),
            params=form.params(),
            channel=form.cleaned_data.get("channel") or None,
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return None


def _derive(request, project, form: FluorescenceGTForm):
    if not form.is_valid():
        return None
    try:
        created = fluorescence_gt_create(
            project=project,
            user=request.user,
            params=form.params(),
            channel=form.cleaned_data.get("channel") or None,
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return None
    messages.success(request, f"Derived {created} fluorescence ground-truth sections.")
    return redirect("fluorescence-gt", slug=project.slug)


@login_required
@require_http_methods(["GET", "POST"])
def fluorescence_gt_page(request, slug: str):
    try:
        project = get_project(request.user, slug, *REVIEW_ROLES)
    except DomainError as error:
        return refused(request, error)
    # Both buttons post the same parameters: "preview" draws one section, "derive" stores all.
    form = FluorescenceGTForm(request.POST) if request.method == "POST" else FluorescenceGTForm()
    preview = None
    status = 200
    if request.method == "POST" and request.POST.get("action") == "preview":
        preview = _preview(project, form)
        status = 200 if preview else 400
    elif request.method == "POST":
        done = _derive(request, project, form)
        if done is not None:
            return done
        status = 400
    context = project_context(request, project) | selectors.fluorescence_gt_overview(project)
    context |= {"form": form, "preview": preview, "can_derive": True}
    context |= _shift_card(request, project)
    return render(request, "inference/fluorescence_gt.html", context, status=status)


def _shift_card(request, project) -> dict:
    """The stain-shift card for ``?stain=<fluorescence volume id>`` (default: the first)."""
    raw = request.GET.get("stain", "")
    panel = stain_shift_panel(
        project, stain_id=int(raw) if raw.isdigit() else None, user=request.user
    )
    if panel is None:
        return {"shift_panel": None}
    return {
        "shift_panel": panel,
        "config": panel["config"] | {"csrfToken": get_token(request)},
    }


@login_required
def section_fluorescence_gt_page(request, section_id: int):
    try:
        section = get_section(request.user, section_id, *REVIEW_ROLES)
    except DomainError as error:
        return refused(request, error)
    context = project_context(request, section.project)
    context |= selectors.section_fluorescence_gt(
        section, user=request.user, csrf_token=get_token(request)
    )
    return render(request, "inference/fluorescence_gt_section.html", context)
