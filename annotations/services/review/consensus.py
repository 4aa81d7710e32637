"""Consensus proposals: computed from the latest submitted revision of every annotation."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from django.db import transaction
from django.utils import timezone
from PIL import Image

from annotations import consensus as consensus_math
from annotations.imaging.labels import read_instance_classes
from annotations.imaging.masks import decode_mask, encode_mask
from annotations.models import (
    AnnotationRevision,
    Consensus,
    ConsensusMethod,
    ReviewAction,
    Section,
)
from annotations.permissions import REVIEW_ROLES, require_role
from annotations.selectors.review import latest_submitted_revisions
from annotations.services.audit import section_change_audited
from annotations.services.locking import lock_section
from cellweb.errors import ConflictError

from .labelled import (
    ConsensusFields,
    decode_labelled_revisions,
    decode_revisions,
    foreground_statistics,
    labelled_consensus,
)

# Realistic nucleus masks converge in ~7 EM iterations (~25 ms at 448x448); noisy ones never do
# and cost ~9 ms per iteration, so this bound caps a pathological section at ~0.2 s.
STAPLE_MAX_ITERATIONS = 20
MIN_ANNOTATIONS_FOR_CONSENSUS = 2


def _grey_png(values: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(values, dtype=np.uint8), mode="L").save(
        buffer, format="PNG", compress_level=6
    )
    return buffer.getvalue()


def consensus_minimum(project) -> int:
    """Submitted annotations a consensus needs: two, or one in a project that asks for one
    annotation per section (its reviewer reviews that annotation)."""
    return min(MIN_ANNOTATIONS_FOR_CONSENSUS, project.required_annotations)


def _too_few_message(section: Section, count: int) -> str:
    return (
        f"Consensus needs at least {consensus_minimum(section.project)} submitted annotations; "
        f"this section has {count}."
    )


def _single_input(section: Section, revision: AnnotationRevision, name: str) -> ConsensusFields:
    """The proposal of a section with one annotation: that annotation, with no agreement to
    report (no pair of annotators, no STAPLE estimate)."""
    if _binary_section(section, [revision]):
        (mask,) = decode_revisions([revision], lambda png: decode_mask(png, section.shape))
        mask_png = encode_mask(mask)
    else:
        decode_labelled_revisions(section, [revision])  # refuses an unreadable map
        mask_png = bytes(revision.mask_png)
    stats = {
        "user_id": revision.annotation.annotator_id,
        "annotation_id": revision.annotation_id,
        "revision": revision.number,
        "revision_id": revision.pk,
        "sensitivity": None,
        "specificity": None,
        "dice_consensus": 1.0,
        "mean_dice": None,
    }
    return ConsensusFields(
        mask_png=mask_png,
        agreement={
            "n": 1,
            "mean_dice": None,
            "mean_jaccard": None,
            "pairs": [],
            "per_annotator_mean_dice": {name: None},
            "staple": None,
        },
        annotator_stats={name: stats},
        disagreement=np.zeros(section.shape, np.uint8),
        section_agreement=None,
        audit={"mean_dice": None, "single_annotation": True},
    )


def _binary_section(section: Section, revisions: Sequence[AnnotationRevision]) -> bool:
    """A one-class project whose inputs are all binary masks keeps the binary consensus."""
    values = [entry["value"] for entry in section.project.label_classes]
    return values == [1] and not any(read_instance_classes(bytes(r.mask_png)) for r in revisions)


def _binary_consensus(
    section: Section, revisions: Sequence[AnnotationRevision], names: list[str], method: str
) -> ConsensusFields:
    masks = decode_revisions(revisions, lambda png: decode_mask(png, section.shape))
    staple_result = consensus_math.staple(masks, max_iterations=STAPLE_MAX_ITERATIONS)
    if method == ConsensusMethod.STAPLE:
        merged = staple_result.mask
    else:
        merged = consensus_math.majority_vote(masks)
    stats = foreground_statistics(
        revisions, names, masks, merged, staple_result, STAPLE_MAX_ITERATIONS
    )
    return ConsensusFields(
        mask_png=encode_mask(merged),
        agreement=stats.agreement,
        annotator_stats=stats.annotator_stats,
        disagreement=consensus_math.disagreement_map(masks),
        section_agreement=stats.mean_dice,
        audit={
            "mean_dice": round(stats.mean_dice, 4),
            "staple_converged": staple_result.converged,
        },
    )


@transaction.atomic
def consensus_compute_for_section(section: Section, *, actor=None) -> Consensus | None:
    """Compute and store the current consensus of ``section``; ``None`` with too few inputs
    (``consensus_minimum``).

    Called by the annotation service when a section reaches its required submissions, and by the
    recompute endpoint. The section row is locked so two submissions landing together cannot both
    leave a "current" consensus behind.
    """
    section = lock_section(section)
    revisions = latest_submitted_revisions(section)
    if not revisions or len(revisions) < consensus_minimum(section.project):
        return None

    names = [revision.annotation.annotator.get_username() for revision in revisions]
    method = section.project.consensus_method
    if len(revisions) == 1:
        fields = _single_input(section, revisions[0], names[0])
    elif _binary_section(section, revisions):
        fields = _binary_consensus(section, revisions, names, method)
    else:
        fields = labelled_consensus(
            section, revisions, names, staple_max_iterations=STAPLE_MAX_ITERATIONS
        )

    Consensus.objects.filter(section=section, is_current=True).update(is_current=False)
    record = Consensus(
        section=section,
        method=method,
        mask_png=fields.mask_png,
        agreement=fields.agreement,
        annotator_stats=fields.annotator_stats,
        disagreement_png=_grey_png(fields.disagreement),
        is_current=True,
        created_at=timezone.now(),
    )
    record.full_clean()
    record.save()
    record.inputs.set(revisions)

    detail = {
        "consensus_id": record.pk,
        "method": method,
        "inputs": [{"annotator": n, "revision": r.number} for n, r in zip(names, revisions)],
        **fields.audit,
    }
    section_change_audited(
        section, actor, ReviewAction.CONSENSUS, detail, agreement=fields.section_agreement
    )
    return record


def consensus_recompute(*, section: Section, user) -> Consensus:
    """Recompute on request; unlike the automatic path, too few inputs is an error to show."""
    require_role(user, section.project, *REVIEW_ROLES)
    record = consensus_compute_for_section(section, actor=user)
    if record is None:
        count = len(latest_submitted_revisions(section))
        raise ConflictError(_too_few_message(section, count), code="too_few_annotations")
    return record
