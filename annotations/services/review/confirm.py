"""Confirming: the (possibly edited) consensus becomes the section's next ground-truth version.

Confirmed ground truth is never overwritten: each confirmation adds a version with its full
provenance.
"""

from __future__ import annotations

import numpy as np
from django.db import transaction
from django.utils import timezone

from annotations import consensus as consensus_math
from annotations.imaging.errors import MaskError
from annotations.imaging.labels import read_instance_classes
from annotations.imaging.masks import decode_mask, encode_mask
from annotations.models import (
    Consensus,
    ConsensusMethod,
    GroundTruth,
    GroundTruthSource,
    ReviewAction,
    Section,
    SectionStatus,
)
from annotations.services.audit import section_change_audited
from annotations.services.locking import lock_section
from cellweb.errors import ConflictError, InvalidInput

from .announce import announce_decision
from .confirm_labels import LabelledTruth, labelled_truth
from .consensus import STAPLE_MAX_ITERATIONS, consensus_minimum
from .decisions import require_reviewer
from .standing import (
    CONFIRMABLE,
    conflict_state,
    refuse_imported_without_consensus,
    require_ground_truth_version,
    require_status,
)


def _binary_proposal(section: Section, consensus: Consensus) -> bool:
    """A one-class project's binary consensus keeps the binary ground truth."""
    values = [entry["value"] for entry in section.project.label_classes]
    return values == [1] and not read_instance_classes(bytes(consensus.mask_png))


def _decoded(mask_png: bytes, shape: tuple[int, int]) -> np.ndarray:
    try:
        return decode_mask(mask_png, shape)
    except MaskError as exc:
        raise InvalidInput(exc.message) from exc


def _binary_truth(section: Section, consensus: Consensus, inputs, mask) -> LabelledTruth:
    consensus_mask = decode_mask(bytes(consensus.mask_png), section.shape)
    if mask is not None:
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
    dice = {}
    for revision in inputs:
        try:
            input_mask = decode_mask(bytes(revision.mask_png), section.shape)
            dice[revision.pk] = consensus_math.dice(input_mask, final)
        except MaskError:
            dice[revision.pk] = None
    return LabelledTruth(
        mask_png=encode_mask(final),
        foreground_pixels=int(np.count_nonzero(final)),
        edit_summary={"pixels_added": added, "pixels_removed": removed} if added or removed else {},
        dice=dice,
    )


@transaction.atomic
def review_confirm(
    *,
    section: Section,
    reviewer,
    consensus_id: int | None,
    mask: np.ndarray | None = None,
    mask_png: bytes | None = None,
    edited: bool = False,
    base_version: int | None = None,
) -> GroundTruth:
    """Confirm the consensus (``edited``: the reviewer's ``mask`` array, or ``mask_png``, any
    stored mask: binary, class map or instance map) as the next ground-truth version.

    ``base_version`` is the ground-truth version the reviewer saw (``None``: none yet). The
    section row is locked, so of two reviewers confirming together the second one waits, finds a
    newer version than the one it saw, and gets a ``ConflictError`` carrying the winner's result.
    A section sent back, reopened by its annotator or excluded meanwhile is refused the same way
    (``section_status``): the consensus no longer stands for its submissions. A section whose
    ground truth is imported and that has no consensus has nothing to confirm
    (``imported_ground_truth``).
    """
    section = lock_section(section)
    require_reviewer(reviewer, section)

    current_gt = require_ground_truth_version(section, base_version)
    if consensus_id is None:
        refuse_imported_without_consensus(section, current_gt)
        raise ConflictError(
            "There is no consensus to confirm: a section needs at least "
            f"{consensus_minimum(section.project)} submitted annotations first.",
            code="too_few_annotations",
        )
    require_status(section, CONFIRMABLE, "confirm this section")
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
            code="stale_consensus",
            current=conflict_state(section, current_gt),
        )

    inputs = sorted(consensus.inputs.all(), key=lambda r: r.annotation.annotator.get_username())
    if edited and mask is None and mask_png is None:
        raise InvalidInput("An edited confirmation needs the edited mask.")
    if _binary_proposal(section, consensus):
        if edited and mask is None:
            mask = _decoded(mask_png, section.shape)
        result = _binary_truth(section, consensus, inputs, mask if edited else None)
    else:
        result = labelled_truth(
            section,
            bytes(consensus.mask_png),
            inputs,
            edited_png=mask_png if edited and mask is None else None,
            edited_map=mask if edited else None,
        )
    really_edited = bool(result.edit_summary)
    input_revisions = [
        {
            "annotation_id": revision.annotation_id,
            "revision": revision.number,
            "revision_id": revision.pk,
            "annotator": revision.annotation.annotator.get_username(),
            "dice_with_ground_truth": result.dice[revision.pk],
        }
        for revision in inputs
    ]

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
        mask_png=result.mask_png,
        foreground_pixels=result.foreground_pixels,
        consensus=consensus,
        input_revisions=input_revisions,
        method=consensus.method,
        params={"staple_max_iterations": STAPLE_MAX_ITERATIONS}
        if consensus.method == ConsensusMethod.STAPLE
        else {},
        reviewer=reviewer,
        edited=really_edited,
        edit_summary=result.edit_summary,
        confirmed_at=timezone.now(),
        is_current=True,
        stale=False,
    )
    truth.full_clean()
    truth.save()

    detail = {
        "version": truth.version,
        "consensus_id": consensus.pk,
        "method": consensus.method,
        "pixels_added": 0,
        "pixels_removed": 0,
        # A labelled edit also counts pixels reclassified and says whether nuclei changed.
        **result.edit_summary,
    }
    action = ReviewAction.EDIT_CONFIRM if really_edited else ReviewAction.CONFIRM
    announce_decision(
        section,
        section_change_audited(section, reviewer, action, detail, status=SectionStatus.CONFIRMED),
    )
    return truth
