"""Who works in a project: its members, one row per person with each of their roles."""

from __future__ import annotations

from annotations.models import Membership, Project, Role
from annotations.selectors.projects import ROLE_ORDER


def project_members(*, project: Project) -> list[dict]:
    """Every member of ``project`` by user name: ``username``, ``full_name`` and ``roles`` (each
    ``{"id", "role"}``, the membership that grants it, in the order manager, reviewer,
    annotator)."""
    people: dict[int, dict] = {}
    rows = Membership.objects.filter(project=project).select_related("user")
    for membership in rows.order_by("user__username"):
        user = membership.user
        person = people.setdefault(
            user.pk,
            {"username": user.get_username(), "full_name": user.get_full_name(), "roles": []},
        )
        person["roles"].append({"id": membership.pk, "role": membership.role})
    for person in people.values():
        person["roles"].sort(key=lambda held: ROLE_ORDER.index(held["role"]))
    return list(people.values())


def annotator_shortfall(*, project: Project) -> str:
    """Why no section can reach review yet: the project asks for more independent annotations
    per section than it has annotators (members with the annotator role); "" when it has
    enough."""
    annotators = (
        Membership.objects.filter(project=project, role=Role.ANNOTATOR, user__is_active=True)
        .values("user")
        .distinct()
        .count()
    )
    needed = project.required_annotations
    if annotators >= needed:
        return ""
    have = (
        f"{annotators} annotator{'s' if annotators != 1 else ''}" if annotators else "no annotator"
    )
    return (
        f"Each section needs {needed} independent annotation{'s' if needed != 1 else ''} before "
        f"it goes to review, and this project has {have} (members with the annotator role): no "
        "section can reach review. Add "
        "annotators under Settings → Members, or lower “Annotations needed per section”."
    )
