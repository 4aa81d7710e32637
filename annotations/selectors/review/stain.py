"""The dashboard's annotators against the stain: each annotator's Dice with the current
fluorescence ground truth, beside their agreement with the other annotators on the same
sections (docs/fluorescence.md, docs/handoffs.md)."""

from __future__ import annotations

import statistics
from collections import defaultdict

import numpy as np
from django.db.models import F, Q

from annotations.imaging.label_values import stored_labels
from annotations.models import (
    AnnotationRevision,
    AnnotationStatus,
    Consensus,
    GroundTruth,
    GroundTruthSource,
    Project,
)
from annotations.selectors.annotation import blind_sections, hidden_from
from annotations.selectors.labels import instance_classes, label_class, label_classes

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


def _stain_chunk(truths: list[tuple], scores: dict, others: dict, reading: dict) -> None:
    """Add to ``scores`` each annotator's overlap with the fluorescence masks of ``truths``
    (an annotation's nucleus class, ``class_map == nucleus``, against the stain's nuclei), and
    to ``others`` their agreement with the other annotators there. ``reading``: the label
    values, the nucleus value, and what the blind rule hides from the viewer (co-annotators'
    masks of sections still open; the agreement of those sections, theirs too)."""
    values, nucleus = reading["values"], reading["nucleus"]
    by_section = {section_id: rest for section_id, *rest in truths}
    # A stain shifted onto the image imaged only part of the section (``params["imaged_box"]``,
    # docs/fluorescence.md): drawing outside it is not compared with anything.
    revisions = (
        AnnotationRevision.objects.filter(
            annotation__section_id__in=list(by_section),
            annotation__status=AnnotationStatus.SUBMITTED,
            number=F("annotation__revision"),
        )
        .exclude(reading["hidden"])
        .values_list(
            "annotation__section_id",
            "annotation__annotator__username",
            "mask_png",
            "foreground_pixels",
        )
        .order_by("annotation__section_id")
    )
    consensus_stats = dict(
        Consensus.objects.filter(section_id__in=list(by_section), is_current=True)
        .exclude(section__in=reading["blind"])
        .values_list("section_id", "annotator_stats")
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


def stain_agreement(project: Project, viewer) -> dict:
    """Per annotator, Dice against fluorescence ground truth beside Dice with the others on the
    same sections (``STAIN_AGGREGATION`` says how each is aggregated), as ``viewer`` may see
    them: a viewer who annotates (``hidden_from``) is shown the other annotators' scores without
    the sections still open, and their own with all of theirs but the agreement of those."""
    truths = GroundTruth.objects.filter(
        section__project=project, source=GroundTruthSource.FLUORESCENCE, is_current=True
    )
    flagged = truths.filter(_FLAGGED).count()
    reading = {
        "values": [entry["value"] for entry in label_classes(project)],
        "nucleus": _nucleus_value(project),
        "hidden": hidden_from(viewer, project, via="annotation__"),
        "blind": blind_sections(viewer, project),
    }
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
            _stain_chunk(chunk, scores, others, reading)
            chunk = []
    if chunk:
        _stain_chunk(chunk, scores, others, reading)
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
