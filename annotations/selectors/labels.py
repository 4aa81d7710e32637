"""Reads about a project's label set: its classes, and which stored masks use a class."""

from __future__ import annotations

from annotations.imaging.label_values import stored_label_values
from annotations.models import AnnotationRevision, Consensus, GroundTruth, LabelKind, Project


def label_classes(project: Project) -> list[dict]:
    """The project's classes in value order: [{value, name, colour, shortcut, kind}]."""
    return sorted((dict(entry) for entry in project.label_classes), key=lambda c: c["value"])


def label_set(project: Project) -> dict:
    """The label set as the editor and the API show it."""
    return {"classes": label_classes(project), "paint_rule": project.paint_rule}


def label_class(project: Project, *, name: str | None = None, value: int | None = None):
    """The class called ``name`` (case-insensitive) or with ``value``; None when there is none."""
    for entry in label_classes(project):
        if value is not None and entry["value"] == value:
            return entry
        if name is not None and entry["name"].casefold() == name.strip().casefold():
            return entry
    return None


def instance_classes(project: Project) -> list[dict]:
    return [entry for entry in label_classes(project) if entry["kind"] == LabelKind.INSTANCES]


def label_class_usage(*, project: Project, value: int) -> dict[str, int]:
    """How many stored masks of ``project`` hold class ``value``, by kind of mask.

    Every stored version counts (annotation revisions, consensus proposals, ground-truth
    versions), not only the current ones: snapshots and revisions keep old masks readable, and
    a class that vanished from under them would leave values with no meaning.
    """
    sources = {
        "annotation_revisions": AnnotationRevision.objects.filter(
            annotation__section__project=project, foreground_pixels__gt=0
        ),
        "consensus": Consensus.objects.filter(section__project=project),
        "ground_truth": GroundTruth.objects.filter(
            section__project=project, foreground_pixels__gt=0
        ),
    }
    usage = {}
    for key, queryset in sources.items():
        usage[key] = sum(
            value in stored_label_values(bytes(mask))
            for mask in queryset.values_list("mask_png", flat=True).iterator(chunk_size=500)
        )
    usage["masks"] = sum(usage.values())
    return usage
