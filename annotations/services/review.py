"""Cross-confirmation: consensus proposals, expert review and versioned ground truth.

A consensus is recomputed from the latest submitted revision of every annotation whenever a
section has enough of them; a reviewer then confirms it (possibly edited), sends it back to
named annotators, or excludes the section. Confirmed ground truth is never overwritten: each
confirmation adds a version with its full provenance, and later edits to the annotations that fed
it only mark it stale.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from PIL import Image

from annotations import consensus as consensus_math
from annotations.imaging.errors import MaskError
from annotations.imaging.masks import decode_mask, encode_mask
from annotations.models import (
    Annotation,
    AnnotationRevision,
    AnnotationStatus,
    AuditEvent,
    Consensus,
    ConsensusMethod,
    GroundTruth,
    GroundTruthSource,
    ReviewAction,
    Role,
    Section,
    SectionStatus,
)
from annotations.permissions import require_role
from annotations.selectors.review import ground_truth_public, latest_submitted_revisions
from annotations.services.annotation import annotation_return_to_draft
from cellweb.errors import ConflictError, InvalidInput, NotAllowed

__all__ = [
    "STAPLE_MAX_ITERATIONS",
    "consensus_compute_for_section",
    "consensus_recompute",
    "ground_truth_mark_stale_for_revision",
    "on_annotation_changed",
    "review_confirm",
    "review_exclude",
    "review_send_back",
]

# Realistic nucleus masks converge in ~7 EM iterations (~25 ms at 448x448); noisy ones never do
# and cost ~9 ms per iteration, so this bound caps a pathological section at ~0.2 s.
STAPLE_MAX_ITERATIONS = 20
MIN_ANNOTATIONS_FOR_CONSENSUS = 2
MAX_COMMENT_LENGTH = 2000


# --------------------------------------------------------------------------------------------
# Consensus
# --------------------------------------------------------------------------------------------


def _grey_png(values: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(values, dtype=np.uint8), mode="L").save(
        buffer, format="PNG", compress_level=6
    )
    return buffer.getvalue()


def _decode_revisions(
    section: Section, revisions: Sequence[AnnotationRevision]
) -> list[np.ndarray]:
    shape = section.shape
    masks = []
    for revision in revisions:
        try:
            masks.append(decode_mask(bytes(revision.mask_png), shape))
        except MaskError as exc:
            name = revision.annotation.annotator.get_username()
            raise InvalidInput(
                f"The annotation of {name} (revision {revision.number}) cannot be read: {exc.message}"
            ) from exc
    return masks


def _too_few_message(count: int) -> str:
    return (
        f"Consensus needs at least {MIN_ANNOTATIONS_FOR_CONSENSUS} submitted annotations; "
        f"this section has {count}."
    )


@transaction.atomic
def consensus_compute_for_section(section: Section, *, actor=None) -> Consensus | None:
    """Compute and store the current consensus of ``section``; ``None`` with fewer than 2 inputs.

    Called by the annotation service when a section reaches its required submissions, and by the
    recompute endpoint. The section row is locked so two submissions landing together cannot both
    leave a "current" consensus behind.
    """
    section = (
        Section.objects.select_for_update(of=("self",))
        .select_related("volume", "project")
        .get(pk=section.pk)
    )
    revisions = latest_submitted_revisions(section)
    if len(revisions) < MIN_ANNOTATIONS_FOR_CONSENSUS:
        return None

    names = [revision.annotation.annotator.get_username() for revision in revisions]
    masks = _decode_revisions(section, revisions)
    method = section.project.consensus_method

    # STAPLE's per-annotator sensitivity/specificity are reported whatever the project's method,
    # so a majority-vote project still sees who over- or under-segments.
    staple_result = consensus_math.staple(masks, max_iterations=STAPLE_MAX_ITERATIONS)
    if method == ConsensusMethod.STAPLE:
        merged = staple_result.mask
    else:
        merged = consensus_math.majority_vote(masks)
    agreement = consensus_math.pairwise_agreement(masks, labels=names)
    disagreement = consensus_math.disagreement_map(masks)

    annotator_stats = {}
    for index, (revision, name, mask) in enumerate(zip(revisions, names, masks)):
        annotator_stats[name] = {
            "user_id": revision.annotation.annotator_id,
            "annotation_id": revision.annotation_id,
            "revision": revision.number,
            "revision_id": revision.pk,
            "sensitivity": staple_result.sensitivity[index],
            "specificity": staple_result.specificity[index],
            "dice_consensus": consensus_math.dice(mask, merged),
            "mean_dice": agreement.per_annotator_mean_dice[name],
        }
    agreement_json = {
        "n": len(revisions),
        "mean_dice": agreement.mean_dice,
        "mean_jaccard": agreement.mean_jaccard,
        "pairs": [
            {"a": pair.a, "b": pair.b, "dice": pair.dice, "jaccard": pair.jaccard}
            for pair in agreement.pairs
        ],
        "per_annotator_mean_dice": agreement.per_annotator_mean_dice,
        "staple": {
            "iterations": staple_result.iterations,
            "converged": staple_result.converged,
            "max_iterations": STAPLE_MAX_ITERATIONS,
        },
    }

    Consensus.objects.filter(section=section, is_current=True).update(is_current=False)
    record = Consensus(
        section=section,
        method=method,
        mask_png=encode_mask(merged),
        agreement=agreement_json,
        annotator_stats=annotator_stats,
        disagreement_png=_grey_png(disagreement),
        is_current=True,
        created_at=timezone.now(),
    )
    record.full_clean()
    record.save()
    record.inputs.set(revisions)

    section.agreement = agreement.mean_dice
    section.save(update_fields=["agreement", "updated_at"])
    AuditEvent.objects.create(
        section=section,
        actor=actor,
        action=ReviewAction.CONSENSUS,
        detail={
            "consensus_id": record.pk,
            "method": method,
            "inputs": [{"annotator": n, "revision": r.number} for n, r in zip(names, revisions)],
            "mean_dice": round(agreement.mean_dice, 4),
            "staple_converged": staple_result.converged,
        },
    )
    return record


def consensus_recompute(*, section: Section, user) -> Consensus:
    """Recompute on request; unlike the automatic path, too few inputs is an error to show."""
    require_role(user, section.project, Role.REVIEWER, Role.MANAGER)
    record = consensus_compute_for_section(section, actor=user)
    if record is None:
        count = len(latest_submitted_revisions(section))
        raise InvalidInput(_too_few_message(count))
    return record


# --------------------------------------------------------------------------------------------
# Review
# --------------------------------------------------------------------------------------------


def _lock_section(section: Section) -> Section:
    return (
        Section.objects.select_for_update(of=("self",))
        .select_related("volume", "project", "specimen")
        .get(pk=section.pk)
    )


def _require_reviewer(user, section: Section) -> None:
    require_role(user, section.project, Role.REVIEWER)
    if section.project.allow_self_review:
        return
    if Annotation.objects.filter(section=section, annotator=user).exists():
        raise NotAllowed(
            "You annotated this section, so you cannot review it: this project does not allow "
            "self-review. Another reviewer has to do it."
        )


def _current_consensus_gt(section: Section) -> GroundTruth | None:
    return (
        GroundTruth.objects.filter(
            section=section, source=GroundTruthSource.CONSENSUS, is_current=True
        )
        .select_related("reviewer")
        .first()
    )


def _conflict_state(section: Section, current_gt: GroundTruth | None) -> dict:
    state = (
        ground_truth_public(current_gt)
        if current_gt is not None
        else {"version": None, "mask_png": None, "reviewer": None, "confirmed_at": None}
    )
    current_consensus = (
        Consensus.objects.filter(section=section, is_current=True)
        .values_list("pk", flat=True)
        .first()
    )
    state["consensus_id"] = current_consensus
    return state


@transaction.atomic
def review_confirm(
    *,
    section: Section,
    reviewer,
    consensus_id: int | None,
    mask: np.ndarray | None = None,
    edited: bool = False,
    base_version: int | None = None,
) -> GroundTruth:
    """Confirm the consensus (``edited``: the reviewer's ``mask``) as the next ground-truth version.

    ``base_version`` is the ground-truth version the reviewer saw (``None``: none yet). The
    section row is locked, so of two reviewers confirming together the second one waits, finds a
    newer version than the one it saw, and gets a ``ConflictError`` carrying the winner's result.
    """
    section = _lock_section(section)
    _require_reviewer(reviewer, section)

    current_gt = _current_consensus_gt(section)
    current_version = current_gt.version if current_gt is not None else None
    if current_version != base_version:
        if current_gt is None:
            message = (
                f"You reviewed ground-truth version {base_version}, but this section has no "
                "confirmed ground truth; reload it."
            )
        else:
            who = current_gt.reviewer.get_username() if current_gt.reviewer else "Someone"
            message = (
                f"{who} confirmed this section meanwhile (version {current_version}); "
                "look at their result before confirming again."
            )
        raise ConflictError(message, current=_conflict_state(section, current_gt))

    if consensus_id is None:
        raise InvalidInput(
            "There is no consensus to confirm: a section needs at least "
            f"{MIN_ANNOTATIONS_FOR_CONSENSUS} submitted annotations first."
        )
    try:
        consensus = Consensus.objects.prefetch_related("inputs__annotation__annotator").get(
            pk=consensus_id, section=section
        )
    except Consensus.DoesNotExist:
        raise InvalidInput("This consensus does not belong to this section.") from None
    if not consensus.is_current:
        raise ConflictError(
            "The annotations changed and a newer consensus was computed since you opened this "
            "section; reload it and review the new proposal.",
            current=_conflict_state(section, current_gt),
        )

    consensus_mask = decode_mask(bytes(consensus.mask_png), section.shape)
    if edited:
        if mask is None:
            raise InvalidInput("An edited confirmation needs the edited mask.")
        final = np.asarray(mask)
        if final.shape != consensus_mask.shape:
            height, width = consensus_mask.shape
            raise InvalidInput(
                f"The mask has shape {final.shape} but the section is {width}×{height} pixels "
                "(width × height); draw it on this section."
            )
        final = final != 0
    else:
        final = consensus_mask
    added = int(np.count_nonzero(final & ~consensus_mask))
    removed = int(np.count_nonzero(consensus_mask & ~final))
    really_edited = bool(added or removed)

    inputs = sorted(consensus.inputs.all(), key=lambda r: r.annotation.annotator.get_username())
    input_revisions = []
    for revision in inputs:
        try:
            input_mask = decode_mask(bytes(revision.mask_png), section.shape)
            dice_gt = consensus_math.dice(input_mask, final)
        except MaskError:
            dice_gt = None
        input_revisions.append(
            {
                "annotation_id": revision.annotation_id,
                "revision": revision.number,
                "revision_id": revision.pk,
                "annotator": revision.annotation.annotator.get_username(),
                "dice_with_ground_truth": dice_gt,
            }
        )

    previous_version = (
        GroundTruth.objects.filter(section=section, source=GroundTruthSource.CONSENSUS)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    ) or 0
    if current_gt is not None:
        current_gt.is_current = False
        current_gt.save(update_fields=["is_current"])
    truth = GroundTruth(
        section=section,
        source=GroundTruthSource.CONSENSUS,
        version=previous_version + 1,
        mask_png=encode_mask(final),
        foreground_pixels=int(np.count_nonzero(final)),
        consensus=consensus,
        input_revisions=input_revisions,
        method=consensus.method,
        params={"staple_max_iterations": STAPLE_MAX_ITERATIONS}
        if consensus.method == ConsensusMethod.STAPLE
        else {},
        reviewer=reviewer,
        edited=really_edited,
        edit_summary={"pixels_added": added, "pixels_removed": removed} if really_edited else {},
        confirmed_at=timezone.now(),
        is_current=True,
        stale=False,
    )
    truth.full_clean()
    truth.save()

    section.status = SectionStatus.CONFIRMED
    section.save(update_fields=["status", "updated_at"])
    AuditEvent.objects.create(
        section=section,
        actor=reviewer,
        action=ReviewAction.EDIT_CONFIRM if really_edited else ReviewAction.CONFIRM,
        detail={
            "version": truth.version,
            "consensus_id": consensus.pk,
            "method": consensus.method,
            "pixels_added": added,
            "pixels_removed": removed,
        },
    )
    return truth


@transaction.atomic
def review_send_back(
    *, section: Section, reviewer, comment: str, annotator_ids: Sequence[int]
) -> Section:
    """Reopen the named annotators' annotations (their revisions stay) and tell them why."""
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput("Say what the annotators should change: a comment is required.")
    if len(comment) > MAX_COMMENT_LENGTH:
        raise InvalidInput(f"The comment is too long (at most {MAX_COMMENT_LENGTH} characters).")
    wanted = sorted({int(pk) for pk in annotator_ids})
    if not wanted:
        raise InvalidInput("Name at least one annotator to send the section back to.")

    section = _lock_section(section)
    _require_reviewer(reviewer, section)
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

    reopened = [a for a in annotations if a.status == AnnotationStatus.SUBMITTED]
    for annotation in annotations:
        annotation.section = section
    annotation_return_to_draft(annotations=reopened)
    section.status = SectionStatus.SENT_BACK
    section.save(update_fields=["status", "updated_at"])
    section.refresh_from_db(fields=["submitted_count", "started_count"])
    AuditEvent.objects.create(
        section=section,
        actor=reviewer,
        action=ReviewAction.SEND_BACK,
        detail={
            "comment": comment,
            "annotators": sorted(a.annotator.get_username() for a in annotations),
            "reopened": sorted(a.annotator.get_username() for a in reopened),
        },
    )
    return section


@transaction.atomic
def review_exclude(*, section: Section, reviewer, reason: str) -> Section:
    """Take the section out of annotation, review and training (out of focus, no nucleus...)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            "Give a reason for excluding the section (e.g. out of focus, no nucleus in view)."
        )
    if len(reason) > MAX_COMMENT_LENGTH:
        raise InvalidInput(f"The reason is too long (at most {MAX_COMMENT_LENGTH} characters).")
    section = _lock_section(section)
    _require_reviewer(reviewer, section)
    previous = section.status
    section.status = SectionStatus.EXCLUDED
    section.save(update_fields=["status", "updated_at"])
    AuditEvent.objects.create(
        section=section,
        actor=reviewer,
        action=ReviewAction.EXCLUDE,
        detail={"reason": reason, "previous_status": previous},
    )
    return section


# --------------------------------------------------------------------------------------------
# Staleness
# --------------------------------------------------------------------------------------------


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
        AuditEvent.objects.create(
            section_id=annotation.section_id,
            actor=None,
            action=ReviewAction.STALE,
            detail={
                "version": truth.version,
                "annotation_id": annotation.pk,
                "annotator": annotation.annotator.get_username(),
                "confirmed_revision": used.get("revision"),
                "new_revision": latest,
            },
        )
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
