"""Creating a project, starting from one of the label set presets."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from annotations.models import Membership, PaintRule, Project, Role
from annotations.services.labels.checks import label_classes_check
from annotations.services.labels.presets import DEFAULT_PRESET, PRESETS, preset_classes
from cellweb.errors import ConflictError, InvalidInput, NotAllowed

CREATE_PERMISSION = "annotations.add_project"
RESERVED_SLUGS = frozenset({"new"})  # /projects/new/ is the page that creates one


def project_slug_check(slug: str) -> str:
    """``slug`` when it can be a new project's short name, else InvalidInput suggesting one."""
    clean = slugify(slug or "")
    if slug in RESERVED_SLUGS:
        raise InvalidInput(
            f"“{slug}” is a word the site's addresses use; choose another short name."
        )
    if not clean or clean != slug:
        raise InvalidInput(
            f"“{slug}” is not a valid project short name; use lower-case letters, digits and "
            f"hyphens (e.g. “{clean or 'my-project'}”)."
        )
    return slug


@transaction.atomic
def project_create(
    *,
    user,
    slug: str,
    name: str = "",
    description: str = "",
    preset: str = DEFAULT_PRESET,
    paint_rule: str = PaintRule.REPLACE,
) -> Project:
    """A new project with the preset's classes; its creator becomes its manager.

    Creating projects takes Django's ``annotations.add_project`` permission (superusers have it).
    """
    if not user.has_perm(CREATE_PERMISSION):
        raise NotAllowed(
            "Creating projects needs the “add project” permission; ask an administrator."
        )
    if preset not in PRESETS:
        raise InvalidInput(f"Unknown preset “{preset}”; choose one of {', '.join(PRESETS)}.")
    project_slug_check(slug)
    classes = label_classes_check(preset_classes(preset))
    project = Project(
        slug=slug,
        name=(name or "").strip() or slug,
        description=description or "",
        label_classes=classes,
        label_value_high=max(entry["value"] for entry in classes),
        paint_rule=paint_rule,
        created_by=user,
    )
    try:
        project.full_clean(validate_unique=False)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages)) from exc
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError as exc:
        raise ConflictError(
            f"A project called “{slug}” exists already.", code="project_exists"
        ) from exc
    Membership.objects.create(project=project, user=user, role=Role.MANAGER)
    return project
