"""Projects and specimens: creating them for imports and changing a project's settings."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from annotations.models import ConsensusMethod, Project, Specimen
from annotations.selectors.projects import PROJECT_SETTINGS
from annotations.services.annotation.requirement import sections_follow_requirement
from annotations.services.names import name_checked
from cellweb.errors import InvalidInput

SPECIMEN_NAME_MAX = Specimen._meta.get_field("name").max_length
LAB_MAX = Specimen._meta.get_field("lab").max_length


# Other apps that keep something derived from the settings (inference: what the proposal front
# knows about a project) register a function of the project id; it runs after the commit.
_SETTINGS_LISTENERS: list[Callable[[int], None]] = []


def project_settings_listener_register(listener: Callable[[int], None]) -> None:
    if listener not in _SETTINGS_LISTENERS:
        _SETTINGS_LISTENERS.append(listener)


def _settings_changed(project_id: int) -> None:
    for listener in list(_SETTINGS_LISTENERS):
        listener(project_id)


def _validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        parts = []
        for field, errors in exc.message_dict.items():
            label = field.replace("_", " ")
            parts.append(f"{label}: {' '.join(errors)}" if field != "__all__" else " ".join(errors))
        return " ".join(parts)
    return " ".join(exc.messages)


def _full_clean(instance) -> None:
    """The model's own checks, as one readable 400."""
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise InvalidInput(_validation_message(exc)) from exc


@transaction.atomic
def project_get_or_create(*, slug: str, user=None) -> tuple[Project, bool]:
    """The project with ``slug``; a new one (named after the slug) when there is none."""
    clean = slugify(slug or "")
    if not clean or clean != slug:
        raise InvalidInput(
            f"“{slug}” is not a valid project short name; use letters, digits, hyphens or "
            f"underscores (e.g. “{clean or 'my-project'}”)."
        )
    project = Project.objects.filter(slug=slug).first()
    if project is not None:
        return project, False
    project = Project(slug=slug, name=slug, created_by=user)
    _full_clean(project)
    project.save()
    return project, True


def specimen_name_check(name: str) -> str:
    """The trimmed specimen name, or InvalidInput saying what is wrong with it."""
    cleaned = (name or "").strip()
    return name_checked(cleaned, what="specimen", max_length=SPECIMEN_NAME_MAX, example="HeLa-01")


def lab_check(lab: str) -> str:
    return name_checked((lab or "").strip(), what="lab", max_length=LAB_MAX)


@transaction.atomic
def specimen_get_or_create(*, project: Project, name: str, lab: str = "") -> tuple[Specimen, bool]:
    """The specimen called ``name`` in ``project`` (created when new); a given lab is recorded."""
    name = specimen_name_check(name)
    lab = lab_check(lab)
    specimen = Specimen.objects.select_for_update().filter(project=project, name=name).first()
    if specimen is not None:
        if lab and specimen.lab != lab:
            specimen.lab = lab
            specimen.save(update_fields=["lab"])
        return specimen, False
    specimen = Specimen(project=project, name=name, lab=lab)
    _full_clean(specimen)
    specimen.save()
    return specimen, True


@transaction.atomic
def project_settings_update(*, project: Project, actor=None, **changes) -> Project:
    """Change how a project's annotation and review work (managers only; checked by the caller).

    A new "annotations needed per section" moves the sections already on either side of it
    (``sections_follow_requirement``); ``project.moved`` says how many went where."""
    unknown = set(changes) - set(PROJECT_SETTINGS)
    if unknown:
        raise InvalidInput(f"These project settings do not exist: {', '.join(sorted(unknown))}.")
    if "consensus_method" in changes and changes["consensus_method"] not in ConsensusMethod.values:
        raise InvalidInput(
            f"Unknown consensus method “{changes['consensus_method']}”; choose one of "
            f"{', '.join(ConsensusMethod.values)}."
        )
    project = Project.objects.select_for_update().get(pk=project.pk)
    previous = project.required_annotations
    for field, value in changes.items():
        setattr(project, field, value)
    _full_clean(project)
    if changes:
        project.save(update_fields=list(changes))
        transaction.on_commit(lambda: _settings_changed(project.pk))
    project.moved = {"to_review": 0, "to_annotation": 0}
    if project.required_annotations != previous:
        project.moved = sections_follow_requirement(project, previous=previous, actor=actor)
    return project
