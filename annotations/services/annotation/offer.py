"""Handing a section out of the work queue: the offer is recorded, so the menu's "Annotate"
shows an opened section again and two concurrent requests get two different sections."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from annotations.models import Project, Role, Section, SectionOffer
from annotations.permissions import require_role
from annotations.selectors.annotation.queue import (
    OFFER_HOLD,
    first_candidate,
    started_sections,
)

# Two requests of the same annotator may race for the same section; a few retries always settle it.
_OFFER_ATTEMPTS = 5


def _record_offer(*, user, section: Section, now) -> bool:
    """Record the offer; False when a concurrent request of the same annotator got it first."""
    if not section.offered:
        try:
            with transaction.atomic():
                SectionOffer.objects.create(section=section, annotator=user, offered_at=now)
        except IntegrityError:
            return False
        return True
    returned = Q(skipped_at__isnull=False) | Q(offered_at__lt=now - OFFER_HOLD)
    # The condition is checked again on the locked row, so only one of two racing requests wins.
    return bool(
        SectionOffer.objects.filter(returned, section=section, annotator=user).update(
            offered_at=now, skipped_at=None
        )
    )


def section_offer_claim(*, user, project: Project, skip: int | None = None) -> Section | None:
    """Hand this annotator the next section of the queue, or ``None`` when nothing is left.

    The order is ``selectors.annotation.next_section_peek``'s. ``skip`` (the section on screen)
    is passed over in this request; ``annotation_skip`` makes a skip last. Handing out a fresh
    section records a ``SectionOffer``; its unique constraint makes two concurrent requests of
    the same annotator end with two different sections.
    """
    require_role(user, project, Role.ANNOTATOR)
    started = started_sections(user=user, project=project, skip=skip).first()
    if started is not None:
        return started
    now = timezone.now()
    for _ in range(_OFFER_ATTEMPTS):
        candidate = first_candidate(user=user, project=project, skip=skip, now=now)
        if candidate is None or candidate.tier == 0:  # held already: nothing to record
            return candidate
        if _record_offer(user=user, section=candidate, now=now):
            return candidate
    return None
