"""Pages that add a member to a project and take a role away (on the settings page, Members)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_POST

from annotations.forms import MemberAddForm
from annotations.models import Role
from annotations.permissions import get_project
from annotations.services.members import membership_add, membership_remove
from annotations.views.projects import form_problems, settings_change, settings_response
from cellweb.pages import refusing


@login_required
@require_POST
@refusing
def member_add_page(request, slug: str):
    project = get_project(request.user, slug, Role.MANAGER)
    form = MemberAddForm(request.POST)
    if not form.is_valid():
        return settings_response(
            request, project, member_form=form, member_error=form_problems(form), status=400
        )
    return settings_change(
        request,
        project,
        lambda: membership_add(project=project, **form.cleaned_data),
        success=lambda added: f"{added.user.get_username()} is now {added.role} in this project.",
        refusal="member_error",
        member_form=form,
    )


@login_required
@require_POST
@refusing
def member_remove_page(request, slug: str, membership_id: int):
    project = get_project(request.user, slug, Role.MANAGER)
    return settings_change(
        request,
        project,
        lambda: membership_remove(project=project, membership_id=membership_id),
        success=lambda gone: f"{gone.user.get_username()} is no longer {gone.role} here.",
        refusal="member_error",
    )
