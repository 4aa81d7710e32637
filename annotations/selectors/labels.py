"""Reads about a project's label set: its classes, and which stored masks use a class."""

from __future__ import annotations

from django.db.models import Q

from annotations.imaging.label_values import stored_label_values
from annotations.models import (
    AnnotationRevision,
    Consensus,
    GroundTruth,
    LabelKind,
    Project,
    Section,
)


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


def label_class_usage(*, project: Project, value: int, user=None) -> dict:
    """How many stored masks of ``project`` hold class ``value``, by kind of mask, as ``user``
    may be told (everyone's, when ``user`` is None).

    Every stored version counts (annotation revisions, consensus proposals, ground-truth
    versions), not only the current ones: snapshots and revisions keep old masks readable, and
    a class that vanished from under them would leave values with no meaning. The counts, and
    ``sections`` (how many sections those masks lie on), hold only what the blind rule lets
    ``user`` see; ``withheld`` says, without a number, whether masks ``user`` is blind on hold
    the class too, and ``in_use`` whether any stored mask does.
    """
    from annotations.selectors.annotation.visibility import (  # the editor imports this module
        blind_sections,
        hidden_from,
        truth_hidden_from,
    )

    nobody = Q(pk__in=[])
    blind = blind_sections(user, project) if user is not None else Section.objects.none()
    sources = {
        "annotation_revisions": (
            AnnotationRevision.objects.filter(
                annotation__section__project=project, foreground_pixels__gt=0
            ),
            hidden_from(user, project, via="annotation__") if user is not None else nobody,
            "annotation__section_id",
        ),
        "consensus": (
            Consensus.objects.filter(section__project=project),
            Q(section__in=blind),
            "section_id",
        ),
        "ground_truth": (
            GroundTruth.objects.filter(section__project=project, foreground_pixels__gt=0),
            truth_hidden_from(user, project) if user is not None else nobody,
            "section_id",
        ),
    }
    usage: dict = {}
    sections: set[int] = set()
    withheld = False
    for key, (queryset, hidden, section_field) in sources.items():
        usage[key] = 0
        hidden_ids = set(queryset.filter(hidden).values_list("pk", flat=True))
        rows = queryset.values_list("pk", "mask_png", section_field).iterator(chunk_size=500)
        for pk, mask, section_id in rows:
            if value not in stored_label_values(bytes(mask)):
                continue
            if pk in hidden_ids:
                withheld = True
                continue
            usage[key] += 1
            sections.add(section_id)
    usage["masks"] = sum(usage.values())
    usage["sections"] = len(sections)
    usage["withheld"] = withheld
    usage["in_use"] = bool(usage["masks"]) or withheld
    return usage
