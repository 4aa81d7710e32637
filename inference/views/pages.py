"""What every inference page shares: the project's navigation context and the refusal page."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render

from annotations.models import Role
from annotations.permissions import user_roles
from annotations.selectors.projects import project_links
from cellweb.errors import DomainError

__all__ = ["page_context", "refused"]


def page_context(request, project) -> dict:
    roles = user_roles(request.user, project)
    return {
        "project": project,
        "roles": roles,
        "is_manager": Role.MANAGER in roles,
        "project_links": project_links(project, roles),
    }


def refused(request, error: DomainError):
    messages.error(request, error.message)
    return render(request, "base.html", status=error.status_code)
