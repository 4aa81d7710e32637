"""Agreement between annotators: per section, per annotator and its distribution over a project."""

from __future__ import annotations

import statistics
from collections import defaultdict

import numpy as np
from django.db.models import Count

from annotations.models import (
    Annotation,
    AnnotationStatus,
    Consensus,
    GroundTruth,
    GroundTruthSource,
    Membership,
    Project,
    Role,
    Section,
    SectionStatus,
    Specimen,
)
from annotations.selectors.annotation import blind_sections, hidden_from
from annotations.selectors.encoding import b64

from .class_names import ClassNames
from .inputs import current_consensus

# Sections whose consensus is the current word: ready for review or confirmed. Left out: excluded
# sections (out of the data set), sent-back ones (the reviewer overruled their consensus until
# the annotators resubmit and it is recomputed) and open ones (an annotator reopened a submission,
# so the consensus no longer stands for what they say; it counts again once resubmitted).
COUNTED = (SectionStatus.REVIEW, SectionStatus.CONFIRMED)

# Mean pairwise Dice lives almost entirely above 0.7; 0.05-wide bins still separate "fine" from
# "look at this" without a near-empty left half.
AGREEMENT_BINS = 20


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
            "classes": [],
            "worst_class": None,
            "minority": [],
        }
    agreement = consensus.agreement or {}
    names = ClassNames(section.project)
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
        # Label classes and instances (absent for a one-class binary section): per class the
        # mean pairwise Dice (and nucleus F1), the worst class, the nuclei a minority found.
        # Named under the current label set: a class renamed since shows its new name.
        "classes": [names.row(row) for row in agreement.get("classes", [])],
        "worst_class": names.row(agreement.get("worst_class")),
        "minority": [
            names.row(row, value="class", name="class_name")
            for row in agreement.get("minority", [])
        ],
    }


def _mean(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return float(statistics.fmean(values)) if values else None


def annotator_agreement_table(project: Project, viewer) -> list[dict]:
    """Per annotator: sections annotated, mean Dice with the others and with confirmed ground
    truth, and STAPLE's mean estimated sensitivity and specificity, as ``viewer`` may see them.

    Excluded sections are out of the data set, so out of these means too (as they are out of the
    agreement distribution): a section excluded for having no nucleus would add 1.0 each. So are
    sent-back sections and open ones (only ``COUNTED`` sections): the reviewer overruled their
    consensus, or an annotator reopened a submission behind it.

    A viewer who annotates counts all of their own annotations and the others' without the
    sections still open (``hidden_from``); every agreement leaves those sections out, theirs too.
    """
    blind = blind_sections(viewer, project)
    annotated = dict(
        Annotation.objects.filter(section__project=project, status=AnnotationStatus.SUBMITTED)
        .exclude(hidden_from(viewer, project))
        .values("annotator__username")
        .annotate(n=Count("id"))
        .values_list("annotator__username", "n")
    )
    with_others: dict[str, list[float]] = defaultdict(list)
    sensitivity: dict[str, list[float]] = defaultdict(list)
    specificity: dict[str, list[float]] = defaultdict(list)
    for stats in (
        Consensus.objects.filter(section__project=project, is_current=True)
        .filter(section__status__in=COUNTED)
        .exclude(section__in=blind)
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
        .filter(section__status__in=COUNTED)
        .exclude(section__in=blind)
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


def _agreement_values(project: Project, viewer):
    """The sections whose agreement counts: in review or confirmed, and none that ``viewer`` is
    blind on."""
    return Section.objects.filter(
        project=project, agreement__isnull=False, status__in=COUNTED
    ).exclude(pk__in=blind_sections(viewer, project))


def agreement_distribution(*, project: Project, viewer, specimen: Specimen | None = None) -> dict:
    """Histogram of per-section mean pairwise Dice (only sections in review or confirmed, as
    ``viewer`` may see them)."""
    queryset = _agreement_values(project, viewer)
    if specimen is not None:
        queryset = queryset.filter(specimen=specimen)
    return _histogram(list(queryset.values_list("agreement", flat=True)))


def specimen_agreement_distributions(project: Project, viewer) -> list[dict]:
    """One histogram per specimen that has any agreement yet (as ``viewer`` may see it), in one
    query."""
    values: dict[int, list[float]] = defaultdict(list)
    for specimen_id, agreement in _agreement_values(project, viewer).values_list(
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


def consensus_proposal(record: Consensus) -> dict:
    """A consensus as proposed to the reviewer: its masks and the agreement behind it."""
    return {
        "consensus_id": record.pk,
        "method": record.method,
        "created_at": record.created_at,
        "mask_png": b64(record.mask_png),
        "disagreement_png": b64(record.disagreement_png),
        "agreement": section_agreement(record.section),
    }
