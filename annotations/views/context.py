"""What every page inside a project shows: the project, the user's roles in it, its navigation."""

from __future__ import annotations

from annotations.models import Project, Role
from annotations.permissions import user_roles
from annotations.selectors.projects import project_links, sorted_roles


def project_context(request, project: Project) -> dict:
    """Template context for a page of ``project``: ``project``, ``roles`` (in display order),
    ``is_manager`` and ``project_links``."""
    roles = user_roles(request.user, project)
    return {
        "project": project,
        "roles": sorted_roles(roles),
        "is_manager": Role.MANAGER in roles,
        "project_links": project_links(project, roles),
    }
