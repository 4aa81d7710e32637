"""Sections follow a change of the project's "annotations needed per section".

A section goes to review when its submissions reach the requirement (``save.py``); a manager who
changes the requirement later moves the line for the sections already on either side of it. A
lower requirement sends the open sections that now have enough submissions to review (with
their consensus proposal, as a submission reaching the requirement does); a higher one returns
the sections in review that are now short of it to annotation, each with an audit event that
says why. Sections sent back wait for their annotator's answer, and confirmed or excluded ones
keep their decision, whichever way the requirement moves.
"""

from __future__ import annotations

from annotations.models import Project, ReviewAction, Section, SectionStatus
from annotations.services.audit import audit
from cellweb.words import counted

from .hooks import on_annotations_complete

__all__ = ["moved_words", "sections_follow_requirement"]


def sections_follow_requirement(project: Project, *, previous: int, actor) -> dict[str, int]:
    """Move the project's sections across its new requirement; inside the settings' transaction.

    Returns how many went to review and how many returned to annotation."""
    required = project.required_annotations
    sections = Section.objects.filter(volume__specimen__project=project)
    reached = list(
        sections.select_for_update(of=("self",)).filter(
            status=SectionStatus.OPEN, submitted_count__gte=required
        )
    )
    short = list(
        sections.select_for_update(of=("self",)).filter(
            status=SectionStatus.REVIEW, submitted_count__lt=required
        )
    )
    Section.objects.filter(pk__in=[s.pk for s in reached]).update(status=SectionStatus.REVIEW)
    Section.objects.filter(pk__in=[s.pk for s in short]).update(status=SectionStatus.OPEN)
    for section in reached:
        section.status = SectionStatus.REVIEW
        on_annotations_complete(section)
    for section in short:
        detail = {
            "by": "requirement",
            "previous_status": SectionStatus.REVIEW,
            "required": required,
            "previous_required": previous,
            "submitted": section.submitted_count,
        }
        audit(section.pk, actor, ReviewAction.REOPEN, detail)
    return {"to_review": len(reached), "to_annotation": len(short)}


def moved_words(moved: dict[str, int]) -> str:
    """What a change of the requirement did, for the settings page ("" when nothing moved)."""
    parts = []
    if moved["to_review"]:
        have = "has" if moved["to_review"] == 1 else "have"
        parts.append(
            f"{counted(moved['to_review'], 'section')} now {have} enough and went to review"
        )
    if moved["to_annotation"]:
        parts.append(
            f"{counted(moved['to_annotation'], 'section')} in review went back to annotation"
        )
    return ("; ".join(parts) + ".") if parts else ""
