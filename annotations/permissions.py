"""Who may see and do what in a project.

An outsider gets 404 for every object of a project they are not in (so its existence is not
revealed); a member without the needed role gets 403. Superusers hold every role.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from annotations.models import Membership, Project, Role, Section, Specimen, Volume
from cellweb.errors import NotAllowed

ALL_ROLES = frozenset(Role.values)


# Who reviews: a reviewer, or a manager (who may do all a reviewer does).
REVIEW_ROLES = (Role.REVIEWER, Role.MANAGER)


def user_roles(user, project: Project) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if user.is_superuser:
        return ALL_ROLES
    cache = getattr(user, "_cellweb_roles", None)
    if cache is None:
        cache = {}
        user._cellweb_roles = cache
    if project.pk not in cache:
        cache[project.pk] = frozenset(
            Membership.objects.filter(project=project, user=user).values_list("role", flat=True)
        )
    return cache[project.pk]


def projects_for(user) -> QuerySet[Project]:
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=user).distinct()


def oversees(user, project: Project) -> bool:
    """A reviewer or manager of ``project``: sees every annotation, the blind rule aside."""
    return bool(user_roles(user, project).intersection(REVIEW_ROLES))


def no_longer_annotators(project: Project, users) -> list[str]:
    """The names, sorted, of ``users`` who do not hold the annotator role in ``project`` (any
    more: removed from it, or left another role only). What they submitted while annotators
    stays data of the project, but nothing can be asked of them there (no send-back)."""
    names = {u.get_username() for u in users if Role.ANNOTATOR not in user_roles(u, project)}
    return sorted(names)


def require_role(user, project: Project, *roles: str) -> frozenset[str]:
    """Return the user's roles; 404 for outsiders, 403 for members lacking every one of ``roles``."""
    held = user_roles(user, project)
    if not held:
        raise Http404("No such project.")
    if roles and not held.intersection(roles):
        names = " or ".join(roles)
        raise NotAllowed(f"This needs the {names} role in project “{project.name}”.")
    return held


def require_manager_or_launcher(user, job) -> None:
    """The cancel rule of a job launched in a project (``job.project``, ``job.created_by_id``):
    a manager of the project or the person who launched it; 404 for outsiders, else 403."""
    held = require_role(user, job.project)
    if Role.MANAGER not in held and job.created_by_id != user.pk:
        raise NotAllowed("Only a manager or the person who launched this job can cancel it.")


def _get(queryset, message: str, **lookup):
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(message) from None


def get_in_project(user, queryset, pk: int, message: str, *roles: str):
    """The row ``pk`` of ``queryset`` (rows with a ``project``: jobs, results) for a member of
    its project holding one of ``roles`` (any role when none); 404 for no such row or an
    outsider, 403 for a member without the role."""
    row = _get(queryset.select_related("project"), message, pk=pk)
    require_role(user, row.project, *roles)
    return row


def get_project(user, slug: str, *roles: str) -> Project:
    project = _get(Project.objects, "No such project.", slug=slug)
    require_role(user, project, *roles)
    return project


def get_specimen(user, specimen_id: int, *roles: str) -> Specimen:
    specimen = _get(Specimen.objects.select_related("project"), "No such specimen.", pk=specimen_id)
    require_role(user, specimen.project, *roles)
    return specimen


def get_volume(user, volume_id: int, *roles: str) -> Volume:
    volume = _get(
        Volume.objects.select_related("specimen__project"), "No such volume.", pk=volume_id
    )
    require_role(user, volume.specimen.project, *roles)
    return volume


def get_section(user, section_id: int, *roles: str) -> Section:
    queryset = Section.objects.select_related("volume", "project", "specimen")
    section = _get(queryset, "No such section.", pk=section_id)
    require_role(user, section.project, *roles)
    return section
