"""Changing a project's label set: add a class, rename or recolour it, delete an unused one.

A class's ``value`` is what masks store and never changes, so a rename or a new colour leaves
every mask as it is. A value is never given twice in a project: a new class takes the value
after the highest any class has had (``Project.label_value_high``), since training versions,
evaluations, predictions and exports made before a class was deleted still hold its value with
its old meaning. Each change locks the project's row, so two managers editing at once cannot
lose each other's classes.
"""

from __future__ import annotations

from django.db import transaction

from annotations.models import LabelKind, Project
from annotations.selectors.labels import label_class_usage, label_classes
from annotations.services.labels.checks import (
    MAX_CLASSES,
    label_classes_check,
    name_check,
    next_value,
    shortcut_check,
)
from cellweb.errors import ConflictError, InvalidInput, NotFoundError

EDITABLE_FIELDS = ("name", "colour", "shortcut", "kind")


def _locked(project: Project) -> Project:
    return Project.objects.select_for_update().get(pk=project.pk)


def _store(project: Project, classes: list[dict], *, changed: int | None = None) -> list[dict]:
    """Store ``classes``; ``changed`` is the value of a class added, deleted or given another
    kind: what that value means changed, so the label-set version goes up (masks drawn under
    an older version are checked against it when saved, annotation/labelmask.py)."""
    project.label_classes = label_classes_check(classes)
    project.label_value_high = max(
        [project.label_value_high, *(entry["value"] for entry in project.label_classes)]
    )
    fields = ["label_classes", "label_value_high"]
    if changed is not None:
        project.label_set_version += 1
        since = {str(k): v for k, v in (project.label_class_since or {}).items()}
        if any(entry["value"] == changed for entry in project.label_classes):
            since[str(changed)] = project.label_set_version
        else:
            since.pop(str(changed), None)
        project.label_class_since = since
        fields += ["label_set_version", "label_class_since"]
    project.save(update_fields=fields)
    return label_classes(project)


def _refuse_taken(classes: list[dict], entry: dict) -> None:
    """A name or key another class of the set holds is the set's state refusing it (409)."""
    others = [other for other in classes if other["value"] != entry.get("value")]
    name = name_check(entry.get("name", ""))
    if any(str(other["name"]).casefold() == name.casefold() for other in others):
        raise ConflictError(
            f"Another class is called “{name}”; give each class its own name.",
            code="label_name_taken",
        )
    key = shortcut_check(entry.get("shortcut", ""))
    if key and any(other.get("shortcut") == key for other in others):
        raise ConflictError(
            f"The key “{key}” selects another class; give each class its own key.",
            code="label_key_taken",
        )


def _find(classes: list[dict], value: int, project: Project) -> dict:
    for entry in classes:
        if entry["value"] == value:
            return entry
    raise NotFoundError(f"Project “{project.slug}” has no class with label value {value}.")


@transaction.atomic
def label_class_add(
    *, project: Project, name: str, colour: str, shortcut: str = "", kind: str = LabelKind.REGION
) -> dict:
    """Add a class with the next label value never given in the project; existing masks are
    untouched."""
    project = _locked(project)
    classes = label_classes(project)
    if len(classes) >= MAX_CLASSES:
        raise ConflictError(
            f"The project has {MAX_CLASSES} classes, as many as 8-bit class maps hold; delete "
            "an unused one first.",
            code="label_set_full",
        )
    value = next_value(classes, project.label_value_high)
    if value is None:
        raise ConflictError(
            "Every label value from 1 to 255 (what 8-bit class maps hold) has been given to a "
            "class of this project. A deleted class's value is not given again, since models, "
            "evaluations and predictions made before still use it; give an unused class the "
            "new name instead of adding one.",
            code="label_values_spent",
        )
    entry = {"value": value, "name": name, "colour": colour, "shortcut": shortcut, "kind": kind}
    _refuse_taken(classes, entry)
    stored = _store(project, [*classes, entry], changed=value)
    return _find(stored, value, project)


@transaction.atomic
def label_class_update(*, project: Project, value: int, user=None, **changes) -> dict:
    """Rename, recolour, re-key a class; its kind changes only while no mask uses it."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(f"These class fields cannot be changed: {', '.join(sorted(unknown))}.")
    project = _locked(project)
    classes = label_classes(project)
    entry = _find(classes, value, project)
    if "kind" in changes and changes["kind"] != entry["kind"]:
        _refuse_in_use(
            project,
            entry,
            user,
            f", drawn as {entry['kind']}; its kind cannot change now. Add a new class instead.",
        )
    _refuse_taken(classes, {**entry, **changes})
    kind_changed = "kind" in changes and changes["kind"] != entry["kind"]
    entry.update(changes)
    return _find(_store(project, classes, changed=value if kind_changed else None), value, project)


@transaction.atomic
def label_class_delete(*, project: Project, value: int, user=None) -> None:
    """Delete a class no stored mask uses (409 with the count otherwise)."""
    project = _locked(project)
    classes = label_classes(project)
    entry = _find(classes, value, project)
    if len(classes) == 1:
        raise InvalidInput("A project needs at least one class; add another before deleting this.")
    _refuse_in_use(
        project, entry, user, "; a class in use cannot be deleted. Rename it instead, or keep it."
    )
    _store(project, [other for other in classes if other["value"] != value], changed=value)


def _refuse_in_use(project: Project, entry: dict, user, why: str) -> None:
    """409 ``label_in_use`` when a stored mask uses the class ``entry``: its use as ``user`` may
    know it (``_usage_words``), then ``why`` the change is refused."""
    usage = label_class_usage(project=project, value=entry["value"], user=user)
    if usage["in_use"]:
        raise ConflictError(
            f"Class “{entry['name']}” {_usage_words(usage)}{why}",
            code="label_in_use",
            current=usage,
        )


def _usage_words(usage: dict) -> str:
    """What the refusal says of a class's use: counts of what the reader may see only, and a
    word without a number for masks still blind to them (``label_class_usage``)."""
    words = []
    if usage["masks"]:
        words.append(
            f"is used by {usage['masks']} stored mask(s) on {usage['sections']} section(s) "
            f"({usage['annotation_revisions']} annotation revision(s), {usage['consensus']} "
            f"consensus, {usage['ground_truth']} ground truth)"
        )
    if usage["withheld"]:
        words.append("is used in work on sections still blind to you")
    return " and ".join(words)
