"""The review page's editor configuration (the ``review`` front-end module)."""

from __future__ import annotations

from django.urls import reverse

from annotations.models import (
    Annotation,
    GroundTruth,
    GroundTruthSource,
    RevisionOrigin,
    Section,
)
from annotations.permissions import no_longer_annotators
from annotations.selectors.annotation.feedback import send_back_responses
from annotations.selectors.annotation.independence import independent_reference_ids
from annotations.selectors.editor import section_editor_config
from annotations.selectors.effort import annotation_efforts
from annotations.selectors.encoding import b64
from annotations.selectors.imported_truth import section_imported_truth

from .agreement import section_agreement
from .decision import decision_card, left_said
from .inputs import consensus_inputs, current_consensus, latest_submitted_revisions
from .minority import minority_nuclei, objects_outline_png

# Distinct on dark RI sections and between themselves (Trubetskoy's 20-colour list, in order).
ANNOTATOR_COLOURS = (
    "#e6194b",
    "#3cb44b",
    "#ffe119",
    "#4363d8",
    "#f58231",
    "#911eb4",
    "#42d4f4",
    "#f032e6",
    "#bfef45",
    "#fabed4",
)


def self_review_blocked(*, section: Section, user) -> bool:
    return (
        not section.project.allow_self_review
        and Annotation.objects.filter(section=section, annotator=user).exists()
    )


def _response(send_back: dict | None) -> dict | None:
    if not send_back or not send_back["answered"]:
        return None
    return {
        "reviewer": send_back["reviewer"],
        "comment": send_back["comment"],
        "at": send_back["at"].isoformat(),
    }


def review_send_back(section: Section) -> dict | None:
    """The section's latest send-back for the review page: who, why, and each named annotator's
    answer (resubmitted or still working on it)."""
    responses = send_back_responses([section.pk]).get(section.pk)
    if not responses:
        return None
    first = next(iter(responses.values()))
    return {
        "reviewer": first["reviewer"],
        "comment": first["comment"],
        "at": first["at"],
        "annotators": [
            {"annotator": name, "answered": entry["answered"]}
            for name, entry in sorted(responses.items())
        ],
    }


def proposal_anchoring(revisions) -> dict:
    """How many of the reviewed annotations started from a model proposal (and from which
    versions): three edits of one proposal are not three independent opinions."""
    versions = sorted(
        {r.origin_model_version for r in revisions if r.origin == RevisionOrigin.MODEL} - {None}
    )
    return {
        "from_proposal": sum(1 for r in revisions if r.origin == RevisionOrigin.MODEL),
        "own_previous": sum(1 for r in revisions if r.origin == RevisionOrigin.OWN_PREVIOUS),
        "total": len(revisions),
        "model_versions": versions,
    }


def _effort(measure: dict | None) -> dict | None:
    """What the reviewer reads of an annotation's correction effort (None: not measured)."""
    if measure is None:
        return None
    return {
        "correction_dice": measure["proposal_dice"],
        "changed_pixels": measure["changed_pixels"],
        "active_seconds": round(measure["active_time_s"]),
        "active_minutes": round(measure["active_time_s"] / 60.0, 2),
    }


def review_page_config(*, section: Section, user, csrf_token: str, can_act: bool) -> dict:
    """The ``review`` front-end module's configuration (the front-end contract)."""
    consensus = current_consensus(section)
    revisions = consensus_inputs(consensus) if consensus else latest_submitted_revisions(section)
    names = [revision.annotation.annotator.get_username() for revision in revisions]
    references = independent_reference_ids(section.pk, section.project.annotations_before_proposals)
    responses = send_back_responses([section.pk]).get(section.pk, {})
    efforts = annotation_efforts(revision.annotation_id for revision in revisions)
    # Submitted while an annotator: still counted; said, and never offered a send-back.
    left = no_longer_annotators(section.project, [r.annotation.annotator for r in revisions])
    annotations = [
        {
            "annotator": name,
            "revision": revision.number,
            "colour": ANNOTATOR_COLOURS[index % len(ANNOTATOR_COLOURS)],
            "mask_png": b64(revision.mask_png),
            # Touching objects apart, for the contour (None for a binary mask).
            "outline_png": objects_outline_png(section, bytes(revision.mask_png)),
            # This revision answers the latest send-back that named its annotator.
            "response": _response(responses.get(name)),
            "origin": revision.origin,
            "origin_model_version": revision.origin_model_version,
            # One of the first K annotations made without a proposal (the project's setting).
            "independent_reference": revision.annotation_id in references,
            "effort": _effort(efforts.get(revision.annotation_id)),
            "left_project": left_said(name) if name in left else None,
        }
        for index, (name, revision) in enumerate(zip(names, revisions))
    ]
    agreement = section_agreement(section)
    imported = section_imported_truth(section)
    truth = (
        GroundTruth.objects.filter(
            section=section, source=GroundTruthSource.CONSENSUS, is_current=True
        )
        .only("version", "mask_png", "stale")
        .first()
    )
    extra = {
        "annotations": annotations,
        "origins": {
            **proposal_anchoring(revisions),
            "references_required": section.project.annotations_before_proposals,
            "reference_annotators": [
                name for name, r in zip(names, revisions) if r.annotation_id in references
            ],
        },
        "consensus": {
            "id": consensus.pk,
            "method": consensus.method,
            "mask_png": b64(consensus.mask_png),
            # Classes or instances: the review editor edits it with the project's label set.
            "labelled": bool(agreement["classes"]),
            "outline_png": objects_outline_png(section, bytes(consensus.mask_png)),
        }
        if consensus
        else None,
        "disagreement_png": b64(consensus.disagreement_png) if consensus else None,
        "agreement": {
            "mean_dice": agreement["mean_dice"],
            "mean_jaccard": agreement["mean_jaccard"],
            "pairs": agreement["pairs"],
            "classes": agreement["classes"],
            "worst_class": agreement["worst_class"],
        },
        "minority": minority_nuclei(section, revisions, agreement["minority"]),
        "groundTruth": {
            "version": truth.version,
            "mask_png": b64(truth.mask_png),
            "stale": truth.stale,
        }
        if truth
        else None,
        # An expert's mask imported as ground truth (import_masks), shown as its own layer.
        "importedTruth": imported,
        # Without the right to decide (a manager, or self-review) the module gets no action
        # URLs, so it shows the buttons disabled instead of offering a certain 403.
        **decision_card(
            section=section,
            has_consensus=consensus is not None,
            imported=imported,
            annotators=names,
            can_act=can_act,
            left=left,
        ),
        "annotators": names,
        "nextUrl": reverse("review-next", args=[section.project.slug]),
        "auditUrl": reverse("api-section-audit", args=[section.pk]),
        "status": section.status,
    }
    return section_editor_config(
        section=section,
        user=user,
        module="review",
        csrf_token=csrf_token,
        read_only=not can_act,
        extra=extra,
    )
