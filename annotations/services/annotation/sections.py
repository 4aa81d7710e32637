"""The section side of an annotation: refusing locked sections, keeping its counters."""

from __future__ import annotations

from django.db.models import F
from django.db.models.functions import Greatest

from annotations.models import Annotation, Section
from annotations.selectors.annotation import annotation_mine_state
from annotations.selectors.review.last_decision import section_locked
from cellweb.errors import ConflictError


def refuse_locked_section(*, user, section: Section, annotation: Annotation | None) -> None:
    """ConflictError when a reviewer excluded the section or confirmed its ground truth; the
    message says who did it, when and why (a page left open learns it at its next save)."""
    locked = section_locked(section)
    if locked is None:
        return
    raise ConflictError(
        f"{locked['said']} {locked['then']}; nothing was saved.",
        code=locked["code"],
        current=annotation_mine_state(
            user=user, section=section, annotation=annotation, lookup=False
        ),
    )


def adjust_counts(section: Section, *, started: int = 0, submitted: int = 0) -> None:
    changes = {}
    if started:
        changes["started_count"] = Greatest(F("started_count") + started, 0)
    if submitted:
        changes["submitted_count"] = Greatest(F("submitted_count") + submitted, 0)
    if changes:
        Section.objects.filter(pk=section.pk).update(**changes)
