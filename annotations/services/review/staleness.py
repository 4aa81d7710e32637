"""Staleness: later edits to the annotations that fed confirmed ground truth only flag it.

The ground truth itself is left exactly as confirmed (training snapshots rely on that); the
section goes back to the review queue.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from annotations.models import (
    Annotation,
    AnnotationRevision,
    GroundTruth,
    GroundTruthSource,
    ReviewAction,
    Section,
    SectionStatus,
)
from annotations.services.audit import audit

from .consensus import consensus_compute_for_section


def _older_input(truth: GroundTruth, annotation: Annotation, latest: int) -> dict | None:
    for entry in truth.input_revisions or []:
        if isinstance(entry, dict) and entry.get("annotation_id") == annotation.pk:
            return entry if int(entry.get("revision") or 0) < latest else None
    return None


@transaction.atomic
def ground_truth_mark_stale_for_revision(annotation: Annotation) -> list[GroundTruth]:
    """Flag the current confirmed ground truth built from an older revision of ``annotation``.

    The ground truth itself is left exactly as confirmed (training snapshots rely on that); the
    flag tells reviewers to look again. Runs on every annotation save, so the common case (no
    confirmed ground truth uses this annotation) is one unlocked read.
    """
    latest = (
        AnnotationRevision.objects.filter(annotation_id=annotation.pk)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    if latest is None:
        return []
    current = GroundTruth.objects.filter(
        section_id=annotation.section_id,
        source=GroundTruthSource.CONSENSUS,
        is_current=True,
        stale=False,
    )
    candidates = [
        t.pk for t in current.only("pk", "input_revisions") if _older_input(t, annotation, latest)
    ]
    if not candidates:
        return []
    marked = []
    for truth in GroundTruth.objects.select_for_update().filter(pk__in=candidates, stale=False):
        used = _older_input(truth, annotation, latest)
        if used is None:
            continue
        truth.stale = True
        truth.save(update_fields=["stale"])
        detail = {
            "version": truth.version,
            "annotation_id": annotation.pk,
            "annotator": annotation.annotator.get_username(),
            "confirmed_revision": used.get("revision"),
            "new_revision": latest,
        }
        audit(annotation.section_id, None, ReviewAction.STALE, detail)
        marked.append(truth)
    if marked:
        _return_confirmed_section_to_review(annotation.section_id)
    return marked


def _return_confirmed_section_to_review(section_id: int) -> None:
    """A confirmed section whose inputs changed goes back to the review queue, flagged stale.

    (A section that was sent back is on its way there already: resubmitting puts it in review.)
    """
    moved = Section.objects.filter(pk=section_id, status=SectionStatus.CONFIRMED).update(
        status=SectionStatus.REVIEW, updated_at=timezone.now()
    )
    if moved:
        consensus_compute_for_section(Section.objects.get(pk=section_id))


def on_annotation_changed(annotation: Annotation) -> None:
    """Hook for the annotation service after it stores a new revision of ``annotation``."""
    ground_truth_mark_stale_for_revision(annotation)
