"""Reads for cross-confirmation: the review queue, agreement statistics, ground truth, audit."""

from __future__ import annotations

import base64
import statistics
from collections import defaultdict
from collections.abc import Iterator

import numpy as np
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery

from annotations.imaging.masks import decode_mask
from annotations.models import (
    Annotation,
    AnnotationRevision,
    AnnotationStatus,
    AuditEvent,
    Consensus,
    GroundTruth,
    GroundTruthSnapshot,
    GroundTruthSource,
    Membership,
    Project,
    Role,
    Section,
    SectionStatus,
    Specimen,
)

__all__ = [
    "AGREEMENT_BINS",
    "agreement_distribution",
    "annotator_agreement_table",
    "audit_trail",
    "b64",
    "dashboard",
    "current_consensus",
    "dashboard_counts",
    "ground_truth_detail",
    "ground_truth_public",
    "ground_truth_versions",
    "latest_submitted_revisions",
    "review_queue",
    "review_page_config",
    "section_agreement",
    "snapshot_masks",
    "specimen_agreement_distributions",
]

# Mean pairwise Dice lives almost entirely above 0.7; 0.05-wide bins still separate "fine" from
# "look at this" without a near-empty left half.
AGREEMENT_BINS = 20


def b64(data: bytes | memoryview | None) -> str | None:
    if data is None:
        return None
    return base64.b64encode(bytes(data)).decode("ascii")


# --------------------------------------------------------------------------------------------
# Inputs and consensus
# --------------------------------------------------------------------------------------------


def latest_submitted_revisions(section: Section) -> list[AnnotationRevision]:
    """The newest revision of every submitted annotation of ``section``, by annotator name."""
    newest = (
        AnnotationRevision.objects.filter(annotation=OuterRef("annotation"))
        .order_by("-number")
        .values("number")[:1]
    )
    return list(
        AnnotationRevision.objects.filter(
            annotation__section=section, annotation__status=AnnotationStatus.SUBMITTED
        )
        .filter(number=Subquery(newest))
        .select_related("annotation__annotator")
        .order_by("annotation__annotator__username")
    )


def current_consensus(section: Section) -> Consensus | None:
    return (
        Consensus.objects.filter(section=section, is_current=True).order_by("-created_at").first()
    )


def consensus_inputs(consensus: Consensus) -> list[AnnotationRevision]:
    return sorted(
        consensus.inputs.select_related("annotation__annotator"),
        key=lambda r: r.annotation.annotator.get_username(),
    )


# --------------------------------------------------------------------------------------------
# Review queue
# --------------------------------------------------------------------------------------------


def review_queue_queryset(*, project: Project, user):
    """Sections ready for review, lowest agreement first (no agreement yet: first of all).

    Sections whose confirmed ground truth went stale are back in "review"; ``review_queue``
    flags them. The ordering is the database's, on the ``section_review_queue`` index columns
    (project, status, agreement); nothing is sorted in Python.
    """
    queryset = Section.objects.filter(project=project, status=SectionStatus.REVIEW)
    if not project.allow_self_review:
        queryset = queryset.filter(
            ~Exists(Annotation.objects.filter(section=OuterRef("pk"), annotator=user))
        )
    # Sections without a measurable agreement (a single annotation) come first: nobody has
    # cross-checked them. On PostgreSQL the partial index ``section_review_order`` (created in a
    # migration: SQLite cannot declare NULLS FIRST in an index) serves this order directly.
    return queryset.order_by(F("agreement").asc(nulls_first=True), "pk")


def review_queue(*, project: Project, user, limit: int = 50) -> list[dict]:
    rows = list(
        review_queue_queryset(project=project, user=user).values(
            "id",
            "z",
            "agreement",
            "status",
            "submitted_count",
            "specimen_id",
            "volume_id",
        )[: max(int(limit), 0)]
    )
    specimens = dict(
        Specimen.objects.filter(pk__in={row["specimen_id"] for row in rows}).values_list(
            "pk", "name"
        )
    )
    names: dict[int, list[str]] = defaultdict(list)
    for section_id, username in (
        Annotation.objects.filter(
            section_id__in=[row["id"] for row in rows], status=AnnotationStatus.SUBMITTED
        )
        .order_by("annotator__username")
        .values_list("section_id", "annotator__username")
    ):
        names[section_id].append(username)
    stale = set(
        GroundTruth.objects.filter(
            section_id__in=[row["id"] for row in rows],
            source=GroundTruthSource.CONSENSUS,
            is_current=True,
            stale=True,
        ).values_list("section_id", flat=True)
    )
    for row in rows:
        row["annotators"] = names.get(row["id"], [])
        row["stale"] = row["id"] in stale
        row["specimen_name"] = specimens.get(row["specimen_id"], "")
    return rows


def review_queue_next(*, project: Project, user) -> int | None:
    return review_queue_queryset(project=project, user=user).values_list("pk", flat=True).first()


# --------------------------------------------------------------------------------------------
# Agreement
# --------------------------------------------------------------------------------------------


def section_agreement(section: Section) -> dict:
    """Pairwise and per-annotator agreement of the current consensus (empty when none yet)."""
    consensus = current_consensus(section)
    truth = (
        GroundTruth.objects.filter(
            section=section, source=GroundTruthSource.CONSENSUS, is_current=True
        )
        .only("input_revisions")
        .first()
    )
    dice_gt = {}
    if truth is not None:
        dice_gt = {
            e.get("annotator"): e.get("dice_with_ground_truth") for e in truth.input_revisions
        }
    if consensus is None:
        return {
            "consensus_id": None,
            "method": None,
            "created_at": None,
            "n": 0,
            "mean_dice": None,
            "mean_jaccard": None,
            "pairs": [],
            "annotators": [],
            "staple": None,
        }
    agreement = consensus.agreement or {}
    annotators = []
    for name in sorted(consensus.annotator_stats):
        stats = consensus.annotator_stats[name]
        annotators.append(
            {
                "annotator": name,
                "revision": stats.get("revision"),
                "mean_dice": stats.get("mean_dice"),
                "dice_consensus": stats.get("dice_consensus"),
                "dice_ground_truth": dice_gt.get(name),
                "sensitivity": stats.get("sensitivity"),
                "specificity": stats.get("specificity"),
            }
        )
    return {
        "consensus_id": consensus.pk,
        "method": consensus.method,
        "created_at": consensus.created_at,
        "n": agreement.get("n", len(annotators)),
        "mean_dice": agreement.get("mean_dice"),
        "mean_jaccard": agreement.get("mean_jaccard"),
        "pairs": agreement.get("pairs", []),
        "annotators": annotators,
        "staple": agreement.get("staple"),
    }


def _mean(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return float(statistics.fmean(values)) if values else None


def annotator_agreement_table(project: Project) -> list[dict]:
    """Per annotator: sections annotated, mean Dice with the others and with confirmed ground
    truth, and STAPLE's mean estimated sensitivity and specificity."""
    annotated = dict(
        Annotation.objects.filter(section__project=project, status=AnnotationStatus.SUBMITTED)
        .values("annotator__username")
        .annotate(n=Count("id"))
        .values_list("annotator__username", "n")
    )
    with_others: dict[str, list[float]] = defaultdict(list)
    sensitivity: dict[str, list[float]] = defaultdict(list)
    specificity: dict[str, list[float]] = defaultdict(list)
    for stats in (
        Consensus.objects.filter(section__project=project, is_current=True)
        .values_list("annotator_stats", flat=True)
        .iterator(chunk_size=2000)
    ):
        for name, entry in (stats or {}).items():
            with_others[name].append(entry.get("mean_dice"))
            sensitivity[name].append(entry.get("sensitivity"))
            specificity[name].append(entry.get("specificity"))
    with_truth: dict[str, list[float]] = defaultdict(list)
    for inputs in (
        GroundTruth.objects.filter(
            section__project=project, source=GroundTruthSource.CONSENSUS, is_current=True
        )
        .values_list("input_revisions", flat=True)
        .iterator(chunk_size=2000)
    ):
        for entry in inputs or []:
            if entry.get("dice_with_ground_truth") is not None:
                with_truth[entry.get("annotator")].append(entry["dice_with_ground_truth"])
    members = set(
        Membership.objects.filter(project=project, role=Role.ANNOTATOR).values_list(
            "user__username", flat=True
        )
    )
    names = sorted(members | set(annotated) | set(with_others))
    return [
        {
            "annotator": name,
            "sections_annotated": annotated.get(name, 0),
            "sections_in_consensus": len(with_others.get(name, [])),
            "mean_dice_others": _mean(with_others.get(name, [])),
            "sections_confirmed": len(with_truth.get(name, [])),
            "mean_dice_ground_truth": _mean(with_truth.get(name, [])),
            "mean_sensitivity": _mean(sensitivity.get(name, [])),
            "mean_specificity": _mean(specificity.get(name, [])),
        }
        for name in names
    ]


def _histogram(values: list[float], bins: int = AGREEMENT_BINS) -> dict:
    edges = np.linspace(0.0, 1.0, bins + 1)
    counts = np.histogram(np.clip(values, 0.0, 1.0), bins=edges)[0] if values else np.zeros(bins)
    return {
        "edges": [round(float(e), 4) for e in edges],
        "counts": [int(c) for c in counts],
        "n": len(values),
        "mean": float(np.mean(values)) if values else None,
        "median": float(np.median(values)) if values else None,
    }


def _agreement_values(project: Project):
    return Section.objects.filter(project=project, agreement__isnull=False).exclude(
        status=SectionStatus.EXCLUDED
    )


def agreement_distribution(*, project: Project, specimen: Specimen | None = None) -> dict:
    """Histogram of per-section mean pairwise Dice (excluded sections left out)."""
    queryset = _agreement_values(project)
    if specimen is not None:
        queryset = queryset.filter(specimen=specimen)
    return _histogram(list(queryset.values_list("agreement", flat=True)))


def specimen_agreement_distributions(project: Project) -> list[dict]:
    """One histogram per specimen that has any agreement yet, in one query."""
    values: dict[int, list[float]] = defaultdict(list)
    for specimen_id, agreement in _agreement_values(project).values_list(
        "specimen_id", "agreement"
    ):
        values[specimen_id].append(agreement)
    names = dict(Specimen.objects.filter(pk__in=list(values)).values_list("pk", "name"))
    return [
        {
            "specimen_id": pk,
            "specimen": names.get(pk, str(pk)),
            "distribution": _histogram(values[pk]),
        }
        for pk in sorted(values, key=lambda pk: names.get(pk, ""))
    ]


# --------------------------------------------------------------------------------------------
# Dashboard
# --------------------------------------------------------------------------------------------

STATUS_KEYS = {
    SectionStatus.OPEN: "open",
    SectionStatus.REVIEW: "review",
    SectionStatus.CONFIRMED: "confirmed",
    SectionStatus.SENT_BACK: "sent_back",
    SectionStatus.EXCLUDED: "excluded",
}


def dashboard_counts(project: Project) -> dict:
    """Section counts by workflow state, and the same per annotator."""
    sections = Section.objects.filter(project=project, is_label_free=True)
    by_status = dict(sections.values("status").annotate(n=Count("id")).values_list("status", "n"))
    totals = {key: by_status.get(status, 0) for status, key in STATUS_KEYS.items()}
    totals["total"] = sum(by_status.values())
    totals["annotated"] = sections.filter(submitted_count__gt=0).count()
    totals["stale"] = GroundTruth.objects.filter(
        section__project=project, source=GroundTruthSource.CONSENSUS, is_current=True, stale=True
    ).count()

    submitted = Q(status=AnnotationStatus.SUBMITTED)
    per_annotator = (
        Annotation.objects.filter(section__project=project)
        .values(username=F("annotator__username"))
        .annotate(
            annotated=Count("id", filter=submitted),
            drafts=Count("id", filter=Q(status=AnnotationStatus.DRAFT)),
            review=Count("id", filter=submitted & Q(section__status=SectionStatus.REVIEW)),
            confirmed=Count("id", filter=Q(section__status=SectionStatus.CONFIRMED)),
            sent_back=Count(
                "id",
                filter=Q(section__status=SectionStatus.SENT_BACK, status=AnnotationStatus.DRAFT),
            ),
            excluded=Count("id", filter=Q(section__status=SectionStatus.EXCLUDED)),
        )
        .order_by("username")
    )
    rows = {row["username"]: row for row in per_annotator}
    for name in Membership.objects.filter(project=project, role=Role.ANNOTATOR).values_list(
        "user__username", flat=True
    ):
        rows.setdefault(
            name,
            {
                "username": name,
                "annotated": 0,
                "drafts": 0,
                "review": 0,
                "confirmed": 0,
                "sent_back": 0,
                "excluded": 0,
            },
        )
    return {"totals": totals, "annotators": [rows[name] for name in sorted(rows)]}


# --------------------------------------------------------------------------------------------
# Ground truth and audit
# --------------------------------------------------------------------------------------------


def ground_truth_public(truth: GroundTruth) -> dict:
    """What a reviewer who lost a race sees of the winner's result."""
    return {
        "version": truth.version,
        "mask_png": b64(truth.mask_png),
        "reviewer": truth.reviewer.get_username() if truth.reviewer_id else None,
        "confirmed_at": truth.confirmed_at.isoformat(),
    }


def ground_truth_versions(section: Section, *, source: str = GroundTruthSource.CONSENSUS):
    return (
        GroundTruth.objects.filter(section=section, source=source)
        .select_related("reviewer")
        .defer("mask_png")
        .order_by("-version")
    )


def ground_truth_detail(truth: GroundTruth) -> dict:
    return {
        **ground_truth_public(truth),
        "source": truth.source,
        "is_current": truth.is_current,
        "stale": truth.stale,
        "method": truth.method,
        "params": truth.params,
        "consensus_id": truth.consensus_id,
        "input_revisions": truth.input_revisions,
        "edited": truth.edited,
        "edit_summary": truth.edit_summary,
        "foreground_pixels": truth.foreground_pixels,
    }


def audit_trail(section: Section) -> list[dict]:
    return [
        {"at": at, "actor": actor, "action": action, "detail": detail}
        for at, actor, action, detail in AuditEvent.objects.filter(section=section)
        .order_by("at", "id")
        .values_list("at", "actor__username", "action", "detail")
    ]


def snapshot_masks(snapshot: GroundTruthSnapshot) -> Iterator[tuple[Section, np.ndarray]]:
    """Every (section, ground-truth mask) frozen in ``snapshot``, in section order."""
    entries = snapshot.entries.select_related("section__volume", "section__specimen").order_by(
        "section_id"
    )
    for truth in entries.iterator(chunk_size=200):
        yield truth.section, decode_mask(bytes(truth.mask_png), truth.section.shape)


def dashboard(project: Project) -> dict:
    """Everything the project dashboard shows: counts, the annotator table, distributions."""
    counts = dashboard_counts(project)
    agreement = {row["annotator"]: row for row in annotator_agreement_table(project)}
    empty_agreement = {
        "sections_in_consensus": 0,
        "mean_dice_others": None,
        "sections_confirmed": 0,
        "mean_dice_ground_truth": None,
        "mean_sensitivity": None,
        "mean_specificity": None,
    }
    annotators = []
    for row in counts["annotators"]:
        stats = agreement.pop(row["username"], None) or empty_agreement
        annotators.append({**row, **{k: v for k, v in stats.items() if k != "annotator"}})
    return {
        "totals": counts["totals"],
        "annotators": annotators,
        "distribution": agreement_distribution(project=project),
        "specimens": specimen_agreement_distributions(project),
    }


# --------------------------------------------------------------------------------------------
# The review page
# --------------------------------------------------------------------------------------------

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


def _image_url(section_id: int) -> str:
    return f"/api/sections/{section_id}/image.png"


def self_review_blocked(*, section: Section, user) -> bool:
    return (
        not section.project.allow_self_review
        and Annotation.objects.filter(section=section, annotator=user).exists()
    )


def review_page_config(*, section: Section, user, csrf_token: str, can_act: bool) -> dict:
    """The ``review`` front-end module's configuration (the front-end contract)."""
    from django.urls import reverse

    from annotations.selectors.annotation import _display_window

    volume = section.volume
    neighbours: dict = {"prev": None, "next": None}
    for neighbour_id, z in Section.objects.filter(
        volume=volume, z__in=[section.z - 1, section.z + 1]
    ).values_list("id", "z"):
        neighbours["prev" if z < section.z else "next"] = {
            "id": neighbour_id,
            "imageUrl": _image_url(neighbour_id),
        }

    consensus = current_consensus(section)
    revisions = consensus_inputs(consensus) if consensus else latest_submitted_revisions(section)
    names = [revision.annotation.annotator.get_username() for revision in revisions]
    annotations = [
        {
            "annotator": name,
            "revision": revision.number,
            "colour": ANNOTATOR_COLOURS[index % len(ANNOTATOR_COLOURS)],
            "mask_png": b64(revision.mask_png),
        }
        for index, (name, revision) in enumerate(zip(names, revisions))
    ]
    agreement = section_agreement(section)
    truth = (
        GroundTruth.objects.filter(
            section=section, source=GroundTruthSource.CONSENSUS, is_current=True
        )
        .only("version", "mask_png", "stale")
        .first()
    )
    fluorescence = (
        {"imageUrl": _image_url(section.fluorescence_id)} if section.fluorescence_id else None
    )
    return {
        "module": "review",
        "csrfToken": csrf_token,
        "section": {
            "id": section.pk,
            "width": volume.size_x,
            "height": volume.size_y,
            "z": section.z,
            "nZ": volume.size_z,
            "modality": volume.modality,
            "imageUrl": _image_url(section.pk),
            "label": f"{section.specimen.name} · t{volume.time_index} · z{section.z}/{volume.size_z}",
        },
        "window": _display_window(section),
        "neighbours": neighbours,
        "fluorescence": fluorescence,
        "annotations": annotations,
        "consensus": {
            "id": consensus.pk,
            "method": consensus.method,
            "mask_png": b64(consensus.mask_png),
        }
        if consensus
        else None,
        "disagreement_png": b64(consensus.disagreement_png) if consensus else None,
        "agreement": {
            "mean_dice": agreement["mean_dice"],
            "mean_jaccard": agreement["mean_jaccard"],
            "pairs": agreement["pairs"],
        },
        "groundTruth": {
            "version": truth.version,
            "mask_png": b64(truth.mask_png),
            "stale": truth.stale,
        }
        if truth
        else None,
        # Without the right to decide (a manager, or self-review) the module gets no action
        # URLs, so it shows the buttons disabled instead of offering a certain 403.
        "actions": {
            "confirm": reverse("api-review-confirm", args=[section.pk]),
            "sendBack": reverse("api-review-send-back", args=[section.pk]),
            "exclude": reverse("api-review-exclude", args=[section.pk]),
        }
        if can_act
        else {},
        "annotators": names,
        "nextUrl": reverse("review-next", args=[section.project.slug]),
        "auditUrl": reverse("api-section-audit", args=[section.pk]),
        "status": section.status,
        "readOnly": not can_act,
    }
