"""Annotations made without a model proposal: the independent references of a section.

A project may ask that the first K submitted annotations of every section be made without a
proposal (``Project.annotations_before_proposals``). An annotation counts as independent when
none of its revisions started from a model proposal (``RevisionOrigin.MODEL``): loading a
proposal half-way still anchors the mask.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from annotations.models import Annotation, AnnotationRevision, AnnotationStatus, RevisionOrigin

__all__ = ["independent_reference_ids", "independent_submitted", "proposals_withheld_reason"]


def independent_submitted(section_id: int) -> QuerySet[Annotation]:
    """The section's submitted annotations none of whose revisions began from a proposal, in
    the order they were submitted."""
    from_model = AnnotationRevision.objects.filter(
        annotation=OuterRef("pk"), origin=RevisionOrigin.MODEL
    )
    return (
        Annotation.objects.filter(section_id=section_id, status=AnnotationStatus.SUBMITTED)
        .exclude(Exists(from_model))
        .order_by("submitted_at", "pk")
    )


def independent_reference_ids(section_id: int, first: int) -> set[int]:
    """Ids of the first ``first`` independent annotations: the section's reference for agreement."""
    if first <= 0:
        return set()
    return set(independent_submitted(section_id).values_list("pk", flat=True)[:first])


def proposals_withheld_reason(section_id: int, first: int) -> str | None:
    """Why no proposal may be offered for the section yet, or None when one may."""
    if first <= 0:
        return None
    have = independent_submitted(section_id)[:first].count()
    if have >= first:
        return None
    return (
        f"This project asks for {first} annotation(s) of every section made without a model "
        f"proposal first; this section has {have}. Start from a blank mask."
    )
