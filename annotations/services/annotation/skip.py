"""Skipping a section in the work queue: it comes back to the annotator later, never lost."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations.models import Project, Role, Section, SectionOffer
from annotations.permissions import require_role
from cellweb.errors import InvalidInput


@transaction.atomic
def annotation_skip(*, project: Project, user, section_id: int) -> None:
    """Put the section at the back of this annotator's queue (after every fresh section).

    Nothing of the annotator's own work changes: a draft stays a draft and comes back after
    their other drafts.
    """
    require_role(user, project, Role.ANNOTATOR)
    if not Section.objects.filter(pk=section_id, project=project, is_label_free=True).exists():
        raise InvalidInput(
            f"Section {section_id} is not a label-free section of this project; nothing to skip."
        )
    now = timezone.now()
    if SectionOffer.objects.filter(section_id=section_id, annotator=user).update(skipped_at=now):
        return
    try:
        with transaction.atomic():
            SectionOffer.objects.create(
                section_id=section_id, annotator=user, offered_at=now, skipped_at=now
            )
    except IntegrityError:  # a concurrent request offered it meanwhile
        SectionOffer.objects.filter(section_id=section_id, annotator=user).update(skipped_at=now)
