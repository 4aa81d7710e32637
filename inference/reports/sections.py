"""Per-section reads for the report and its pages, over either subset of sections: all of them,
or only those whose ground truth holds a nucleus (``gt_pixels > 0``).

The stored summary aggregates all sections; the "with a nucleus" aggregates are computed here
from the stored rows in ONE grouped query (count, sum and sum of squares per method, fold and
lab), so a page stays a constant number of queries for any number of sections.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from django.db.models import Count, F, QuerySet, Sum

from annotations.imaging.overlap import scores_from_counts
from inference.models import Evaluation, SectionResult
from inference.services.evaluation.target import target_value

from .labels import METRIC_LABELS

__all__ = ["ORDERINGS", "nucleus_blocks", "pooled_dice", "section_rows", "subset_results"]

KEYS = tuple(METRIC_LABELS)
ORDERINGS = {
    "dice": ("dice", "specimen__name", "volume_id", "z"),
    "-dice": ("-dice", "specimen__name", "volume_id", "z"),
    "section": ("specimen__name", "volume__time_index", "volume_id", "z"),
}
# Stored field -> key of a row handed to templates.
ROW_FIELDS = {
    "section_id": "section",
    "specimen__name": "specimen",
    "specimen__lab": "lab",
    "volume_id": "volume",
    "volume__time_index": "time_index",
    "z": "z",
    "method": "method",
    "fold_index": "fold",
    "ground_truth_id": "ground_truth",
    "section__fluorescence_id": "fluorescence_section",
    "gt_pixels": "gt_pixels",
    "pred_pixels": "pred_pixels",
    **{key: key for key in KEYS},
}


def subset_results(
    evaluation: Evaluation, subset: str = "all", value: int | None = None
) -> QuerySet[SectionResult]:
    """The rows of class ``value`` (default: the evaluation's target class) in ``subset``."""
    chosen = target_value(evaluation) if value is None else value
    rows = SectionResult.objects.filter(evaluation=evaluation, class_value=chosen)
    return rows.filter(gt_pixels__gt=0) if subset == "nucleus" else rows


def section_rows(
    evaluation: Evaluation,
    *,
    method: str,
    subset: str = "all",
    ordering: str = "dice",
    limit: int = 10,
    offset: int = 0,
    value: int | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """(count, rows) of one method's scored sections of class ``value`` (default: the target
    class), worst Dice first by default."""
    query = subset_results(evaluation, subset, value).filter(method=method)
    values = query.order_by(*ORDERINGS[ordering]).values(*ROW_FIELDS)[offset : offset + limit]
    rows = [{ROW_FIELDS[k]: v for k, v in row.items()} for row in values]
    for row in rows:
        row["has_nucleus"] = row["gt_pixels"] > 0
    return query.count(), rows


def _stats(n: int, total: float | None, squares: float | None) -> dict[str, Any]:
    """Mean and sample SD from sums; one value has no SD (None, as ``ml.metrics.aggregate``)."""
    if not n:
        return {"mean": None, "std": None, "n": 0}
    mean = float(total) / n
    if n == 1:
        return {"mean": mean, "std": None, "n": 1}
    variance = max(0.0, (float(squares) - float(total) * mean) / (n - 1))
    return {"mean": mean, "std": math.sqrt(variance), "n": n}


def _block(groups: list[dict[str, Any]]) -> dict[str, Any]:
    block: dict[str, Any] = {"sections": sum(g["sections"] for g in groups)}
    for key in KEYS:
        block[key] = _stats(
            sum(g[f"{key}_n"] for g in groups),
            sum(g[f"{key}_sum"] or 0.0 for g in groups),
            sum(g[f"{key}_sq"] or 0.0 for g in groups),
        )
    return block


def _fold_means(folds: dict[str, dict[str, Any]]) -> dict[str, Any]:
    means: dict[str, Any] = {}
    for key in KEYS:
        per_fold = [folds[k][key]["mean"] for k in sorted(folds, key=int)]
        finite = [v for v in per_fold if v is not None]
        squares = sum(v * v for v in finite)
        means[key] = _stats(len(finite), sum(finite), squares) | {"per_fold": per_fold}
    return means


def nucleus_blocks(
    evaluation: Evaluation, methods: list[str], value: int | None = None
) -> dict[str, Any]:
    """Per method, the summary's blocks (set, folds, fold means, labs) over the sections whose
    ground truth holds class ``value`` (default: the target class) only; same shape as
    ``summary["by_method"]``."""
    sums = {}
    for key in KEYS:
        sums[f"{key}_n"] = Count(key)
        sums[f"{key}_sum"] = Sum(key)
        sums[f"{key}_sq"] = Sum(F(key) * F(key))
    groups = (
        subset_results(evaluation, "nucleus", value)
        .values("method", "fold_index", "specimen__lab")
        .annotate(sections=Count("id"), **sums)
        .order_by()
    )
    by_method: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for group in groups:
        by_method[group["method"]].append(group)
    out: dict[str, Any] = {}
    for method in methods:
        mine = by_method.get(method) or []
        if not mine:
            continue
        folds: dict[str, list] = defaultdict(list)
        labs: dict[str, list] = defaultdict(list)
        for group in mine:
            folds[str(group["fold_index"])].append(group)
            labs[group["specimen__lab"] or "—"].append(group)
        fold_blocks = {k: _block(v) for k, v in folds.items()}
        cross_validated = len(fold_blocks) > 1 or (fold_blocks and "-1" not in fold_blocks)
        out[method] = {
            "set": _block(mine),
            "folds": fold_blocks,
            "fold_means": _fold_means(fold_blocks) if cross_validated else {},
            "labs": {k: _block(v) for k, v in sorted(labs.items())},
        }
    return out


def pooled_dice(evaluation: Evaluation, methods: list[str]) -> dict[str, dict[str, Any]]:
    """Per method, Dice from the pixel counts pooled over all sections of the set, and the mean
    over folds of each fold's pooled Dice: how a training job scores its held-out folds, so the
    two pages can be compared."""
    counts = (
        SectionResult.objects.filter(
            evaluation=evaluation, method__in=methods, class_value=target_value(evaluation)
        )
        .values("method", "fold_index")
        .annotate(tp=Sum("tp"), fp=Sum("fp"), fn=Sum("fn"))
        .order_by()
    )
    by_method: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in counts:
        by_method[row["method"]].append(row)
    out = {}
    for method, rows in by_method.items():
        total = scores_from_counts(*(sum(r[k] for r in rows) for k in ("tp", "fp", "fn")))
        folds = [
            scores_from_counts(r["tp"], r["fp"], r["fn"])["dice"]
            for r in rows
            if r["fold_index"] >= 0
        ]
        out[method] = {
            "set": total["dice"],
            "fold_mean": sum(folds) / len(folds) if folds else None,
            "folds": len(folds),
        }
    return out
