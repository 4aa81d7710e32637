"""A learning curve's points summarised per start: median and spread over seeds for each n, and
the smallest n at which a curve reaches 90% of its plateau (the Dice at the largest n)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from typing import Any

from inference.ml.learning_curve import plateau_reached, summarise_curve

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
