"""Reads of the quality flags of fluorescence ground truth: the sections whose stain and mask
disagree (``inference.ml.fluorescence.QUALITY_FLAGS``), by section and counted."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from annotations.models import GroundTruth, GroundTruthSource
from inference.ml.fluorescence import QUALITY_FLAGS
from inference.services.fluorescence_gt import FLAGGED

FLAGGED_LISTED_MAX = 500
SOURCE = GroundTruthSource.FLUORESCENCE


def fluorescence_flags(
    *, ground_truth_ids: list[int] | None = None, section_ids: list[int] | None = None
) -> dict[int, dict[str, str]]:
    """Quality flags by section id: of the given fluorescence ground-truth versions (what an
    evaluation scored against), or of the current version of the given sections."""
    truths = GroundTruth.objects.filter(FLAGGED, source=SOURCE)
    if ground_truth_ids is not None:
        truths = truths.filter(pk__in=ground_truth_ids)
    if section_ids is not None:
        truths = truths.filter(section_id__in=section_ids)
    if ground_truth_ids is None:
        truths = truths.filter(is_current=True)
    return {
        section_id: {"flag": flag, "label": QUALITY_FLAGS.get(flag, flag)}
        for section_id, flag in truths.values_list("section_id", "params__quality")
    }


def fluorescence_flag_counts(volume_ids: list[int]) -> list[dict[str, Any]]:
    """How many current fluorescence masks of these label-free volumes carry each flag."""
    counts = dict(
        GroundTruth.objects.filter(
            FLAGGED, section__volume_id__in=volume_ids, source=SOURCE, is_current=True
        )
        .values_list("params__quality")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [
        {"flag": key, "label": label, "n": counts.get(key, 0)}
        for key, label in QUALITY_FLAGS.items()
    ]


def flagged_sections(volume_ids: list[int]) -> dict[str, Any]:
    """Current fluorescence masks whose stain and mask disagree, in stack order (the first
    ``FLAGGED_LISTED_MAX``), with the count of each flag."""
    flagged = GroundTruth.objects.filter(
        FLAGGED, section__volume_id__in=volume_ids, source=SOURCE, is_current=True
    )
    counts = fluorescence_flag_counts(volume_ids)
    rows = flagged.order_by(
        "section__specimen__name",
        "section__volume__time_index",
        "section__volume_id",
        "section__z",
    ).values_list(
        "section_id",
        "section__specimen__name",
        "section__volume__time_index",
        "section__z",
        "params__quality",
        "foreground_pixels",
    )[:FLAGGED_LISTED_MAX]
    return {
        "flagged": [
            {
                "id": section_id,
                "label": f"{specimen} · t{time_index} · z{z}",
                "flag": flag,
                "flag_label": QUALITY_FLAGS.get(flag, flag),
                "pixels": pixels,
            }
            for section_id, specimen, time_index, z, flag, pixels in rows
        ],
        "flag_counts": counts,
        "flagged_total": sum(c["n"] for c in counts),
    }
