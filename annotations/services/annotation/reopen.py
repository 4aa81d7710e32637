"""Turning submitted annotations back into drafts: by their annotator, or sent back by review."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from annotations.models import (
    Annotation,
    AnnotationStatus,
    ReviewAction,
    Role,
    Section,
    SectionStatus,
)
from annotations.permissions import require_role
from annotations.selectors.annotation import (
    annotation_mine_state,
    annotation_used_in_confirmed_ground_truth,
    section_send_back,
    sent_back_said,
)
from annotations.services.audit import audit
from annotations.services.locking import lock_section
from cellweb.errors import ConflictError

from .sections import adjust_counts, refuse_locked_section


def _already_draft(section: Section, user, annotation: Annotation) -> str:
    """Why the annotation is a draft already: a reviewer's send-back (who, when, their
    comment), or a reopen elsewhere (another tab or device)."""
    sent_back = section_send_back(section=section, user=user, annotation=annotation)
    if sent_back is None or sent_back["answered"]:
        return "This annotation is a draft already (reopened elsewhere); you can keep editing it."
    return sent_back_said(
        sent_back, "Your annotation is a draft again: keep editing it and submit when done."
    )


@transaction.atomic
def annotation_reopen(*, section: Section, user) -> Annotation:
    """Turn the user's own submission back into a draft, unless confirmed ground truth uses it."""
    require_role(user, section.project, Role.ANNOTATOR)
    section = lock_section(section)
    annotation = (
        Annotation.objects.select_for_update(of=("self",))
        .filter(section=section, annotator=user)
        .first()
    )
    if annotation is None:
        raise ConflictError(
            "You have no annotation of this section to reopen.",
            code="no_annotation",
            current=annotation_mine_state(
                user=user, section=section, annotation=None, lookup=False
            ),
        )
    if annotation.status != AnnotationStatus.SUBMITTED:
        raise ConflictError(
            _already_draft(section, user, annotation),
            code="annotation_draft",
            current=annotation_mine_state(
                user=user, section=section, annotation=annotation, lookup=False
            ),
        )
    if annotation_used_in_confirmed_ground_truth(annotation):
        raise ConflictError(
            "A reviewer confirmed ground truth built from this annotation, so it can no longer be "
            "reopened. Ask a reviewer if it needs a change.",
            code="section_confirmed",
            current=annotation_mine_state(
                user=user, section=section, annotation=annotation, lookup=False
            ),
        )
    refuse_locked_section(user=user, section=section, annotation=annotation)

    now = timezone.now()
    annotation.status = AnnotationStatus.DRAFT
    annotation.submitted_at = None
    annotation.updated_at = now
    annotation.save(update_fields=["status", "submitted_at", "updated_at"])
    adjust_counts(section, started=1, submitted=-1)
    previous_status = section.status
    if previous_status == SectionStatus.REVIEW:
        Section.objects.filter(pk=section.pk, status=SectionStatus.REVIEW).update(
            status=SectionStatus.OPEN
        )
    detail = {
        "annotation_id": annotation.pk,
        "revision": annotation.revision,
        "annotator": user.get_username(),
        "by": "annotator",
        "previous_status": previous_status,
    }
    audit(section.pk, user, ReviewAction.REOPEN, detail, at=now)
    section.refresh_from_db(fields=["status", "submitted_count", "started_count"])
    annotation.section = section
    return annotation


@transaction.atomic
def annotation_return_to_draft(*, annotations: Sequence[Annotation]) -> int:
    """Make submitted annotations drafts again, keeping the section counters right.

    For the review service's "send back"; permission checks and the section's status are the
    caller's. Returns how many were reopened.
    """
    reopened = 0
    now = timezone.now()
    for annotation in annotations:
        updated = Annotation.objects.filter(
            pk=annotation.pk, status=AnnotationStatus.SUBMITTED
        ).update(status=AnnotationStatus.DRAFT, submitted_at=None, updated_at=now)
        if updated:
            adjust_counts(annotation.section, started=1, submitted=-1)
            reopened += 1
    return reopened
