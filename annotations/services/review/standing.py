"""What the section's state lets a reviewer decide now.

Two reviewers can have the same section open. Every decision is checked against what the reviewer
saw: the ground-truth version (``base_version``) and the section's status. A decision made on a
page that another reviewer's (or the annotator's) action has overtaken is a 409 that says who did
what and when; nothing either of them stored is changed.
"""

from __future__ import annotations

from annotations.models import (
    AuditEvent,
    Consensus,
    GroundTruth,
    GroundTruthSource,
    Section,
    SectionStatus,
)
from annotations.selectors.imported_truth import imported_truth_said, imported_truth_summary
from annotations.selectors.review import ground_truth_current, ground_truth_public
from annotations.selectors.review.decision import no_consensus_said
from annotations.selectors.review.last_decision import last_decision, what_happened
from cellweb.errors import ConflictError

# The statuses in which each decision applies. Confirming needs the submissions the consensus
# was built from: a section sent back, reopened by its annotator or excluded is refused.
CONFIRMABLE = frozenset({SectionStatus.REVIEW, SectionStatus.CONFIRMED})
# An excluded section is out of annotation and review: sending it back or excluding it again
# would silently replace the exclusion.
NOT_EXCLUDED = frozenset(set(SectionStatus) - {SectionStatus.EXCLUDED})


def current_consensus_truth(section: Section) -> GroundTruth | None:
    return ground_truth_current(section, source=GroundTruthSource.CONSENSUS)


def conflict_state(section: Section, current_gt: GroundTruth | None) -> dict:
    """The current ground truth, consensus and status: what the refused reviewer should see."""
    state = (
        ground_truth_public(current_gt)
        if current_gt is not None
        else {"version": None, "mask_png": None, "reviewer": None, "confirmed_at": None}
    )
    state["consensus_id"] = (
        Consensus.objects.filter(section=section, is_current=True)
        .values_list("pk", flat=True)
        .first()
    )
    state["status"] = section.status
    return state


def refuse_imported_without_consensus(section: Section, current_gt: GroundTruth | None) -> None:
    """ConflictError ``imported_ground_truth`` when the section's ground truth is an imported
    mask and there is no consensus: confirming would have nothing of the annotators' to confirm
    and could only stand in for the expert's mask."""
    imported = imported_truth_summary(section)
    state = conflict_state(section, current_gt)
    if imported is None or state["consensus_id"] is not None:
        return
    raise ConflictError(
        f"{imported_truth_said(imported)} {no_consensus_said(section)}",
        code="imported_ground_truth",
        current={**state, "imported": imported},
    )


def require_ground_truth_version(section: Section, base_version: int | None) -> GroundTruth | None:
    """The current consensus ground truth; ConflictError ``stale_ground_truth`` when its version
    is not ``base_version``, the one the reviewer saw (``None``: none yet)."""
    current_gt = current_consensus_truth(section)
    current_version = current_gt.version if current_gt is not None else None
    if current_version == base_version:
        return current_gt
    if current_gt is None:
        message = (
            f"You reviewed ground-truth version {base_version}, but this section has no "
            "confirmed ground truth; reload it."
        )
    else:
        who = current_gt.reviewer.get_username() if current_gt.reviewer else "Someone"
        message = (
            f"{who} confirmed this section meanwhile (version {current_version}); "
            "look at their result before deciding again."
        )
    raise ConflictError(
        message, code="stale_ground_truth", current=conflict_state(section, current_gt)
    )


def status_conflict(section: Section, event: AuditEvent | None, message: str) -> ConflictError:
    """ConflictError ``section_status``: ``message``, with the section's state and who made the
    decision ``event`` (the one that put it in its status), and when."""
    return ConflictError(
        message,
        code="section_status",
        current={
            **conflict_state(section, current_consensus_truth(section)),
            "by": event.actor.get_username() if event is not None and event.actor else None,
            "action": event.action if event is not None else None,
            "at": event.at if event is not None else None,
        },
    )


def require_status(section: Section, allowed: frozenset, doing: str) -> None:
    """ConflictError ``section_status`` when ``section``'s status does not allow ``doing``."""
    if section.status in allowed:
        return
    event = last_decision(section)
    raise status_conflict(
        section, event, f"You cannot {doing} now. {what_happened(section, event)}"
    )
