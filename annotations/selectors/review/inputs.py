"""What a consensus is built from: the latest submitted revisions, and the current consensus."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from annotations.models import AnnotationRevision, AnnotationStatus, Consensus, Section


def latest_submitted_revisions(section: Section) -> list[AnnotationRevision]:
    """The newest revision of every submitted annotation of ``section``, by annotator name."""
    newest = (
        AnnotationRevision.objects.filter(annotation=OuterRef("annotation"))
        .order_by("-number")
        .values("number")[:1]
    )
    return list(
        AnnotationRevision.objects.filter(
            annotation__section=section, annotation__status=AnnotationStatus.SUBMITTED
        )
        .filter(number=Subquery(newest))
        .select_related("annotation__annotator")
        .order_by("annotation__annotator__username")
    )


def current_consensus(section: Section) -> Consensus | None:
    return (
        Consensus.objects.filter(section=section, is_current=True).order_by("-created_at").first()
    )


def consensus_inputs(consensus: Consensus) -> list[AnnotationRevision]:
    return sorted(
        consensus.inputs.select_related("annotation__annotator"),
        key=lambda r: r.annotation.annotator.get_username(),
    )
