"""The project dashboard: section counts by workflow state, per annotator, with agreement with
the other annotators and, where a section has fluorescence ground truth, with the stain."""

from __future__ import annotations

import statistics
from collections import defaultdict

import numpy as np
from django.db.models import Count, F, Q

from annotations.imaging.label_values import stored_labels
from annotations.models import (
    Annotation,
    AnnotationRevision,
    AnnotationStatus,
    Consensus,
    GroundTruth,
    GroundTruthSource,
    Membership,
    Project,
    Role,
    Section,
    SectionStatus,
)
from annotations.selectors.effort import effort_summary
from annotations.selectors.imported_truth import has_imported_truth
from annotations.selectors.labels import instance_classes, label_class, label_classes

from .agreement import (
    agreement_distribution,
    annotator_agreement_table,
    specimen_agreement_distributions,
)

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
    # Counted in their status too (usually open): the imported mask is their ground truth.
    totals["imported"] = sections.filter(has_imported_truth()).count()
    totals["imported_in_queue"] = project.queue_includes_imported
    totals["stale"] = GroundTruth.objects.filter(
        section__project=project, source=GroundTruthSource.CONSENSUS, is_current=True, stale=True
    ).count()

    # Each submitted annotation is in exactly one state column (its section's state), so a row's
    # state columns add up to "annotated"; drafts are counted apart, with those sent back to them.
    submitted = Q(status=AnnotationStatus.SUBMITTED)
    draft = Q(status=AnnotationStatus.DRAFT)
    per_annotator = (
        Annotation.objects.filter(section__project=project)
        .values(username=F("annotator__username"))
        .annotate(
            annotated=Count("id", filter=submitted),
            drafts=Count("id", filter=draft),
            drafts_sent_back=Count("id", filter=draft & Q(section__status=SectionStatus.SENT_BACK)),
            **{
                key: Count("id", filter=submitted & Q(section__status=status))
                for status, key in STATUS_KEYS.items()
            },
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
                "drafts_sent_back": 0,
                **dict.fromkeys(STATUS_KEYS.values(), 0),
            },
        )
    return {"totals": totals, "annotators": [rows[name] for name in sorted(rows)]}


STAIN_CHUNK = 500  # sections whose masks are decoded together
STAIN_AGGREGATION = (
    "Dice of each annotator's submitted mask against the section's current fluorescence ground "
    "truth, averaged over the sections where either has a nucleus (sections empty in both are "
    "counted, not averaged: they would add 1.0 each); “pooled” sums the pixels of those sections "
    "first. “With the others” is the annotator's mean Dice with the other annotators on the "
    "same sections. Sections whose fluorescence mask is flagged (the stain and the mask "
    "disagree) are left out."
)
# Fluorescence masks whose stain and mask disagree; the inference app defines the flags, this
# app only reads them (``params["quality"]`` set and not null).
_FLAGGED = Q(params__has_key="quality") & ~Q(params__quality=None)


def _nucleus_value(project: Project) -> int:
    """The class a fluorescence nucleus stain marks: "nucleus", else the only instance class."""
    entry = label_class(project, name="nucleus")
    if entry is None and len(instance_classes(project)) == 1:
        entry = instance_classes(project)[0]
    return entry["value"] if entry else 1


def _inside(mask: np.ndarray, imaged: list[int]) -> np.ndarray:
    """``mask`` within rows ``imaged[0]:imaged[1]`` and columns ``imaged[2]:imaged[3]`` only."""
    kept = np.zeros_like(mask)
    rows, cols = slice(imaged[0], imaged[1]), slice(imaged[2], imaged[3])
    kept[rows, cols] = mask[rows, cols]
    return kept


def _stain_chunk(
    truths: list[tuple], scores: dict, others: dict, values: list[int], nucleus: int
) -> None:
    """Add to ``scores`` each annotator's overlap with the fluorescence masks of ``truths``
    (an annotation's nucleus class, ``class_map == nucleus``, against the stain's nuclei)."""
    by_section = {section_id: rest for section_id, *rest in truths}
    # A stain shifted onto the image imaged only part of the section (``params["imaged_box"]``,
    # docs/fluorescence.md): drawing outside it is not compared with anything.
    revisions = (
        AnnotationRevision.objects.filter(
            annotation__section_id__in=list(by_section),
            annotation__status=AnnotationStatus.SUBMITTED,
            number=F("annotation__revision"),
        )
        .values_list(
            "annotation__section_id",
            "annotation__annotator__username",
            "mask_png",
            "foreground_pixels",
        )
        .order_by("annotation__section_id")
    )
    consensus_stats = dict(
        Consensus.objects.filter(section_id__in=list(by_section), is_current=True).values_list(
            "section_id", "annotator_stats"
        )
    )
    decoded: dict[int, np.ndarray] = {}
    for section_id, name, png, pixels in revisions.iterator(chunk_size=200):
        truth_png, truth_pixels, height, width, imaged = by_section[section_id]
        entry = scores[name]
        if not pixels and not truth_pixels:
            entry["both_empty"] += 1
            continue
        overlap = 0
        # A one-class project's foreground is its nucleus class: no decoding to count it.
        if pixels and (truth_pixels or len(values) > 1 or imaged):
            drawn = stored_labels(bytes(png), values, (), (height, width)).class_map == nucleus
            if imaged:
                drawn = _inside(drawn, imaged)
            pixels = int(np.count_nonzero(drawn))
            if not pixels and not truth_pixels:
                entry["both_empty"] += 1
                continue
            if truth_pixels:
                if section_id not in decoded:
                    # Binary, or a reviewer's correction stored as a class or instance map.
                    truth = stored_labels(bytes(truth_png), values, (), (height, width))
                    decoded = {section_id: truth.class_map != 0}
                overlap = int(np.count_nonzero(drawn & decoded[section_id]))
        entry["dice"].append(2.0 * overlap / (pixels + truth_pixels))
        entry["overlap"] += overlap
        entry["pixels"] += pixels + truth_pixels
        stats = (consensus_stats.get(section_id) or {}).get(name) or {}
        if stats.get("mean_dice") is not None:
            others[name].append(stats["mean_dice"])


def stain_agreement(project: Project) -> dict:
    """Per annotator, Dice against fluorescence ground truth beside Dice with the others on the
    same sections (``STAIN_AGGREGATION`` says how each is aggregated)."""
    truths = GroundTruth.objects.filter(
        section__project=project, source=GroundTruthSource.FLUORESCENCE, is_current=True
    )
    flagged = truths.filter(_FLAGGED).count()
    values = [entry["value"] for entry in label_classes(project)]
    nucleus = _nucleus_value(project)
    rows = (
        truths.exclude(_FLAGGED)
        .order_by("section_id")
        .values_list(
            "section_id",
            "mask_png",
            "foreground_pixels",
            "section__volume__size_y",
            "section__volume__size_x",
            "params__imaged_box",
        )
    )
    scores: dict[str, dict] = defaultdict(
        lambda: {"dice": [], "overlap": 0, "pixels": 0, "both_empty": 0}
    )
    others: dict[str, list[float]] = defaultdict(list)
    chunk: list[tuple] = []
    sections = 0
    for row in rows.iterator(chunk_size=STAIN_CHUNK):
        chunk.append(row)
        sections += 1
        if len(chunk) == STAIN_CHUNK:
            _stain_chunk(chunk, scores, others, values, nucleus)
            chunk = []
    if chunk:
        _stain_chunk(chunk, scores, others, values, nucleus)
    annotators = {
        name: {
            "stain_sections": len(entry["dice"]),
            "stain_both_empty": entry["both_empty"],
            "mean_dice_stain": statistics.fmean(entry["dice"]) if entry["dice"] else None,
            "pooled_dice_stain": 2.0 * entry["overlap"] / entry["pixels"]
            if entry["pixels"]
            else None,
            "mean_dice_others_on_stain": statistics.fmean(others[name]) if others[name] else None,
        }
        for name, entry in scores.items()
    }
    return {
        "annotators": annotators,
        "sections": sections,
        "flagged_left_out": flagged,
        "aggregation": STAIN_AGGREGATION,
    }


EMPTY_STAIN = {
    "stain_sections": 0,
    "stain_both_empty": 0,
    "mean_dice_stain": None,
    "pooled_dice_stain": None,
    "mean_dice_others_on_stain": None,
}


def dashboard(project: Project) -> dict:
    """Everything the project dashboard shows: counts, the annotator table, distributions and
    the correction effort per model version."""
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
    stain = stain_agreement(project)
    annotators = []
    for row in counts["annotators"]:
        stats = agreement.pop(row["username"], None) or empty_agreement
        annotators.append(
            {
                **row,
                **{k: v for k, v in stats.items() if k != "annotator"},
                **stain["annotators"].get(row["username"], EMPTY_STAIN),
            }
        )
    return {
        "totals": counts["totals"],
        "annotators": annotators,
        "stain": {k: v for k, v in stain.items() if k != "annotators"},
        "distribution": agreement_distribution(project=project),
        "specimens": specimen_agreement_distributions(project),
        "effort": effort_summary(project),
    }
