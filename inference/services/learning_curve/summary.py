"""A learning curve's points summarised per start: median and spread over seeds for each n, the
smallest n at which a curve reaches 90% of its plateau (the Dice at the largest n), and the
table and sentences the page and the stored report show."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from typing import Any

from annotations.models import GroundTruthSource
from cellweb.words import counted
from inference.ml.learning_curve import plateau_reached, summarise_curve
from inference.models import LearningCurve
from inference.services.evaluation.labels import WATERSHED_H, truth_numbering
from inference.services.learning_curve.instances import INPUT, MAP_SCORED_AT, NATIVE
from inference.services.learning_curve.plan import PRETRAINED, SCRATCH

PLATEAU_FRACTION = 0.9
# The plateau is the value at the largest n: what annotating every available section gives.
PLATEAU_RULE = "last"
METRICS = ("dice", "map")


def curve_summary(points: list[dict[str, Any]]) -> dict[str, Any]:
    """``{start: {metric: [{n, median, low, high, seeds}], "plateau": {...} | None}}``."""
    by_start: dict[str, dict[str, dict[int, list]]] = defaultdict(
        lambda: {m: defaultdict(list) for m in METRICS}
    )
    for point in points:
        for metric in METRICS:
            by_start[point["start"]][metric][int(point["n"])].append(point.get(metric))
    summary: dict[str, Any] = {}
    for start, metrics in by_start.items():
        curves = {m: [asdict(p) for p in summarise_curve(metrics[m])] for m in METRICS}
        reached = plateau_reached(
            [(p["n"], p["median"]) for p in curves["dice"]],
            fraction=PLATEAU_FRACTION,
            plateau=PLATEAU_RULE,
        )
        summary[start] = {
            **curves,
            "plateau": (
                {"n": reached[0], "plateau_dice": reached[1], "fraction": PLATEAU_FRACTION}
                if reached
                else None
            ),
        }
    return summary


def _plateau_sentence(summary: dict[str, Any], has_pretrained: bool) -> str:
    percent = round(PLATEAU_FRACTION * 100)
    start = PRETRAINED if has_pretrained else SCRATCH
    which = "pretrained curve" if has_pretrained else "curve from scratch"
    reached = (summary.get(start) or {}).get("plateau")
    if not reached:
        return f"The {which} has no finished points with a positive Dice yet."
    return (
        f"The {which} reaches {percent}% of its plateau at n = "
        f"{counted(reached['n'], 'annotated section')} (plateau = its median Dice at the largest n, {reached['plateau_dice']:.3f})."
    )


def curve_split_touching(curve: LearningCurve) -> bool:
    """Whether the curve separated touching predicted nuclei (none recorded: it did not)."""
    return bool((curve.config or {}).get("split_touching", False))


def curve_map_scored_at(curve: LearningCurve) -> str:
    """Where the curve scored its mAP: NATIVE, or INPUT for curves launched before it recorded
    one (prediction and ground truth resized to the input size)."""
    return NATIVE if (curve.config or {}).get(MAP_SCORED_AT) == NATIVE else INPUT


def _grid(curve: LearningCurve) -> str:
    if curve_map_scored_at(curve) == NATIVE:
        return "of each section's native grid"
    return f"at the input size, {curve.config.get('input_size')} px"


def map_grid_sentence(curve: LearningCurve) -> str:
    if curve_map_scored_at(curve) == NATIVE:
        return (
            "at each section's native resolution, as an evaluation scores it: the predicted "
            "probability is resized back from the input size before it is thresholded and "
            "its nuclei numbered"
        )
    return (
        f"at the input size ({curve.config.get('input_size')} px): the ground truth was resized "
        "to it, so small inputs lose touching nuclei and the mAP depends on the input size"
    )


def prediction_split_sentence(curve: LearningCurve) -> str:
    if curve_split_touching(curve):
        source = curve.config.get("gt_source") or GroundTruthSource.CONSENSUS
        return (
            "separated by the watershed an evaluation separates them by (distance transform, "
            f"h-maxima seeds, h = {WATERSHED_H:g} px, wide necks merged {_grid(curve)}); "
            f"{truth_numbering(source)}"
        )
    return "not separated: two touching nuclei count as one object (connected components)"


def learning_curve_tables(curve: LearningCurve) -> dict[str, Any]:
    """The table (one row per n, both starts side by side) and the plateau sentence, for the
    page and the stored report alike."""
    summary = curve_summary(curve.points)
    has_pretrained = PRETRAINED in (curve.config.get("starts") or [])
    starts = [SCRATCH, PRETRAINED] if has_pretrained else [SCRATCH]
    rows: dict[int, dict[str, Any]] = {}
    for start in starts:
        for metric in ("dice", "map"):
            for p in (summary.get(start) or {}).get(metric) or []:
                rows.setdefault(p["n"], {"n": p["n"]})[f"{start}_{metric}"] = p
    keys = [f"{start}_{metric}" for start in starts for metric in ("dice", "map")]
    for row in rows.values():
        row["cells"] = [row.get(key) for key in keys]
    return {
        "summary": summary,
        "rows": [rows[n] for n in sorted(rows)],
        "has_pretrained": has_pretrained,
        "plateau_sentence": _plateau_sentence(summary, has_pretrained),
        "prediction_split": prediction_split_sentence(curve),
        "map_grid": map_grid_sentence(curve),
    }
