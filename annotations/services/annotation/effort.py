"""Correction effort, written inside the save that carries it (docs/effort.md).

``proposal_remember`` keeps the proposal mask the editor loaded (it comes with the saves made
after loading it); ``correction_effort_record`` measures a submission against it: Dice, pixels
changed and the annotation's active time. Annotations that did not start from a proposal get
their active time recorded too, so minutes per section compare with and without a proposal.
"""

from __future__ import annotations

import numpy as np
from django.utils import timezone

from annotations.imaging.correction import correction_metrics
from annotations.imaging.masks import decode_mask, encode_mask
from annotations.models import (
    Annotation,
    AnnotationRevision,
    CorrectionEffort,
    ProposalLoad,
    RevisionOrigin,
)


def proposal_remember(*, annotation: Annotation, model_version: int, mask: np.ndarray) -> None:
    """Store the loaded proposal of ``model_version``, replacing another one; the same proposal
    sent again with a later save writes nothing."""
    mask_png = encode_mask(mask)
    stored = ProposalLoad.objects.filter(annotation=annotation).first()
    if stored is not None and (stored.model_version, bytes(stored.mask_png)) == (
        model_version,
        mask_png,
    ):
        return
    load = stored or ProposalLoad(annotation=annotation)
    load.model_version = model_version
    load.mask_png = mask_png
    load.foreground_pixels = int(np.count_nonzero(mask))
    load.loaded_at = timezone.now()
    load.full_clean(exclude=["annotation"], validate_unique=False)
    load.save()


def _loaded_proposal(
    annotation: Annotation, model_version: int | None, shape: tuple[int, ...]
) -> np.ndarray | None:
    """The stored proposal of ``model_version``, or None when the editor sent none for it."""
    if model_version is None:
        return None
    mask_png = (
        ProposalLoad.objects.filter(annotation=annotation, model_version=model_version)
        .values_list("mask_png", flat=True)
        .first()
    )
    if mask_png is None:
        return None
    return decode_mask(bytes(mask_png), shape)


def correction_effort_record(
    *, annotation: Annotation, revision: AnnotationRevision, mask: np.ndarray
) -> CorrectionEffort:
    """Measure the submitted ``revision`` (its ``mask``) and store it, replacing the measure of
    an earlier submission of the same annotation."""
    dice = changed = None
    version = revision.origin_model_version if revision.origin == RevisionOrigin.MODEL else None
    proposal = _loaded_proposal(annotation, version, mask.shape)
    if proposal is not None:
        metrics = correction_metrics(proposal, mask)
        dice, changed = metrics["dice"], metrics["changed_pixels"]
    effort, _ = CorrectionEffort.objects.update_or_create(
        annotation=annotation,
        defaults={
            "revision": revision.number,
            "origin": revision.origin,
            "origin_model_version": version,
            "proposal_dice": dice,
            "changed_pixels": changed,
            "active_time_s": float(annotation.time_spent_s),
            "submitted_at": revision.created_at,
        },
    )
    return effort
