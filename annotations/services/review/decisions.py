"""A reviewer's other decisions: send a section back to named annotators, or exclude it.

A decision that is already made is refused as a decision overtaken by another reviewer's is
(``standing.py``): excluding an excluded section, or sending a section back again to annotators
it is already sent back to (a double click, or two reviewers with the section open), is a 409
``section_status`` naming who did it, when and why, and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.db import transaction

from annotations.models import (
    Annotation,
    AnnotationRevision,
    AnnotationStatus,
    AuditEvent,
    Consensus,
    ReviewAction,
    Role,
    Section,
    SectionStatus,
)
from annotations.permissions import no_longer_annotators, require_role
from annotations.selectors.review.last_decision import what_happened
from annotations.services.annotation import annotation_return_to_draft
from annotations.services.audit import section_change_audited
from annotations.services.locking import lock_section
from cellweb.errors import ConflictError, InvalidInput, NotAllowed

from .announce import announce_decision
from .consensus import consensus_compute_for_section
from .standing import (
    NOT_EXCLUDED,
    conflict_state,
    current_consensus_truth,
    require_ground_truth_version,
    require_status,
    status_conflict,
)

MAX_COMMENT_LENGTH = 2000

# ``base_version`` left out: the caller did not say which ground-truth version it saw.
UNSEEN = object()


def _require_unchanged(section: Section, base_version, doing: str) -> None:
    """Refuse a decision on an excluded section, or one confirmed since the reviewer looked."""
    if base_version is not UNSEEN:
        require_ground_truth_version(section, base_version)
    require_status(section, NOT_EXCLUDED, doing)


def _required_text(text: str | None, name: str, missing: str) -> str:
    """``text`` stripped; InvalidInput (``missing``) when empty or when over the length cap."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(missing)
    if len(text) > MAX_COMMENT_LENGTH:
        raise InvalidInput(f"The {name} is too long (at most {MAX_COMMENT_LENGTH} characters).")
    return text


def require_reviewer(user, section: Section) -> None:
    require_role(user, section.project, Role.REVIEWER)
    if section.project.allow_self_review:
        return
    if Annotation.objects.filter(section=section, annotator=user).exists():
        raise NotAllowed(
            "You annotated this section, so you cannot review it: this project does not allow "
            "self-review. Another reviewer has to do it."
        )


def _refuse_never_submitted(section: Section, annotations: list[Annotation]) -> None:
    """ConflictError ``annotation_not_submitted`` naming the annotators whose annotation was
    never submitted: review never saw their draft, so there is nothing of theirs to send back.
    A draft that was submitted before (its author reopened it since) may be named: the reviewer
    reviewed that submission, and the comment reaches its author at their next save."""
    drafts = [a for a in annotations if a.status != AnnotationStatus.SUBMITTED]
    submitted_before = set(
        AnnotationRevision.objects.filter(
            annotation__in=drafts, status=AnnotationStatus.SUBMITTED
        ).values_list("annotation_id", flat=True)
    )
    never = sorted(a.annotator.get_username() for a in drafts if a.pk not in submitted_before)
    if not never:
        return
    who = ", ".join(never)
    raise ConflictError(
        f"{who} {'has' if len(never) == 1 else 'have'} not submitted an annotation of this "
        "section: review has seen nothing of theirs, so there is nothing to send back (their "
        "draft stays theirs to finish). Leave them out of the send-back; nothing was changed.",
        code="annotation_not_submitted",
        current=conflict_state(section, current_consensus_truth(section))
        | {"not_submitted": never},
    )


def _refuse_non_annotators(section: Section, annotations: list[Annotation]) -> None:
    """InvalidInput naming the annotators who no longer hold the annotator role in the section's
    project (removed mid-review): they could not open the section to change it, and a section
    sent back to them would wait for them for good."""
    gone = no_longer_annotators(section.project, [a.annotator for a in annotations])
    if gone:
        raise InvalidInput(
            f"{', '.join(gone)} {'is' if len(gone) == 1 else 'are'} no longer an annotator of "
            "this project and could not change their annotation; leave them out of the "
            "send-back. Nothing was changed."
        )


def _refuse_repeat(section: Section, annotations: list[Annotation], reopened: list) -> None:
    """ConflictError ``section_status`` when the section is sent back already to every annotator
    named, none of whom has submitted since: the send-back would reopen nothing and add only a
    second audit row (the first one's comment is the one they read)."""
    if section.status != SectionStatus.SENT_BACK or reopened:
        return
    event = (
        AuditEvent.objects.filter(section=section, action=ReviewAction.SEND_BACK)
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
    if event is None:
        return
    named = set(event.detail.get("annotators") or [])
    if any(a.annotator.get_username() not in named for a in annotations):
        return
    answered = AnnotationRevision.objects.filter(
        annotation__in=annotations, status=AnnotationStatus.SUBMITTED, created_at__gt=event.at
    )
    if answered.exists():  # submitted since, then reopened by its author: a new round
        return
    raise status_conflict(
        section,
        event,
        f"Already sent back; nothing was changed. {what_happened(section, event)}",
    )


@transaction.atomic
def review_send_back(
    *,
    section: Section,
    reviewer,
    comment: str,
    annotator_ids: Sequence[int],
    base_version=UNSEEN,
) -> Section:
    """Reopen the named annotators' annotations (their revisions stay) and tell them why.

    ``base_version``: the ground-truth version the reviewer saw (``None``: none), when known.
    """
    comment = _required_text(
        comment, "comment", "Say what the annotators should change: a comment is required."
    )
    wanted = sorted({int(pk) for pk in annotator_ids})
    if not wanted:
        raise InvalidInput("Name at least one annotator to send the section back to.")

    section = lock_section(section)
    require_reviewer(reviewer, section)
    _require_unchanged(section, base_version, "send this section back")
    annotations = list(
        Annotation.objects.select_for_update(of=("self",))
        .filter(section=section, annotator_id__in=wanted)
        .select_related("annotator")
    )
    found = {a.annotator_id for a in annotations}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        names = sorted(
            get_user_model().objects.filter(pk__in=missing).values_list("username", flat=True)
        ) or [str(pk) for pk in missing]
        raise InvalidInput(f"{', '.join(names)} did not annotate this section.")

    _refuse_non_annotators(section, annotations)
    _refuse_never_submitted(section, annotations)

    reopened = [a for a in annotations if a.status == AnnotationStatus.SUBMITTED]
    _refuse_repeat(section, annotations, reopened)
    for annotation in annotations:
        annotation.section = section
    annotation_return_to_draft(annotations=reopened)
    detail = {
        "comment": comment,
        "annotators": sorted(a.annotator.get_username() for a in annotations),
        "reopened": sorted(a.annotator.get_username() for a in reopened),
    }
    announce_decision(
        section,
        section_change_audited(
            section, reviewer, ReviewAction.SEND_BACK, detail, status=SectionStatus.SENT_BACK
        ),
    )
    section.refresh_from_db(fields=["submitted_count", "started_count"])
    return section


@transaction.atomic
def review_exclude(*, section: Section, reviewer, reason: str, base_version=UNSEEN) -> Section:
    """Take the section out of annotation, review and training (out of focus, no nucleus...).

    ``base_version``: the ground-truth version the reviewer saw (``None``: none), when known.
    """
    reason = _required_text(
        reason,
        "reason",
        "Give a reason for excluding the section (e.g. out of focus, no nucleus in view).",
    )
    section = lock_section(section)
    require_reviewer(reviewer, section)
    _require_unchanged(section, base_version, "exclude this section")
    detail = {"reason": reason, "previous_status": section.status}
    announce_decision(
        section,
        section_change_audited(
            section, reviewer, ReviewAction.EXCLUDE, detail, status=SectionStatus.EXCLUDED
        ),
    )
    return section


def _status_without_exclusion(section: Section) -> str:
    """Where the section's annotations and ground truth put it, had it never been excluded."""
    truth = current_consensus_truth(section)
    if truth is not None and not truth.stale:
        return SectionStatus.CONFIRMED
    if section.submitted_count >= section.project.required_annotations:
        return SectionStatus.REVIEW
    return SectionStatus.OPEN


@transaction.atomic
def review_include(*, section: Section, reviewer, reason: str) -> Section:
    """Undo an exclusion: the section returns to annotation, review or its confirmed ground
    truth, whichever its annotations and ground truth (kept while it was excluded) put it in."""
    reason = _required_text(
        reason, "reason", "Say why the section is included again (e.g. excluded by mistake)."
    )
    section = lock_section(section)
    require_reviewer(reviewer, section)
    require_status(section, frozenset({SectionStatus.EXCLUDED}), "include this section again")
    status = _status_without_exclusion(section)
    detail = {"reason": reason, "status": status}
    section_change_audited(section, reviewer, ReviewAction.INCLUDE, detail, status=status)
    if (
        status == SectionStatus.REVIEW
        and not Consensus.objects.filter(section=section, is_current=True).exists()
    ):
        consensus_compute_for_section(section)
    return section
