"""A training job's held-out scores per class, for a job that learned several classes.

Each cross-validation fold of such a job stores every class's own scores (``metrics.per_class``:
the class's pixels pooled over the fold's held-out sections, threshold 0.5); the job page shows
them per class as mean ± sample SD over the folds, with each fold's own value beside it.
"""

from __future__ import annotations

from typing import Any

from inference.ml.metrics import finite_or_none
from inference.services.training.summary import over_folds

__all__ = ["CLASS_AGGREGATION", "CLASS_METRICS", "training_class_table"]

CLASS_METRICS = {
    "dice": "Dice",
    "jaccard": "IoU (Jaccard)",
    "precision": "Precision",
    "recall": "Recall",
}
CLASS_AGGREGATION = (
    "each fold: the class's pixels pooled over its held-out sections (threshold 0.5); "
    "mean ± sample SD over folds"
)


def training_class_table(folds: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Rows per class (in the folds' class order) of the finished cross-validation folds' per-class
    scores, each metric with ``mean``, ``std`` and ``per_fold`` (``cells``: the same in
    ``metrics`` order); None when the job learned one
    class (its folds have no per-class scores) or no fold has finished."""
    scored = [
        f for f in folds if f.get("kind") == "cv" and (f.get("metrics") or {}).get("per_class")
    ]
    if not scored:
        return None
    # The classes in the order the folds learned them (value order, ``class_order``); the
    # per-class object itself comes back from jsonb with its keys reordered. Folds stored
    # without the order keep the keys' order.
    names: list[str] = []
    for fold in scored:
        order = fold["metrics"].get("class_order") or []
        for name in [*order, *fold["metrics"]["per_class"]]:
            if name not in names:
                names.append(name)
    rows = []
    for name in names:
        blocks = [fold["metrics"]["per_class"].get(name) or {} for fold in scored]
        scores = {
            key: over_folds([finite_or_none(b.get(key)) for b in blocks]) for key in CLASS_METRICS
        }
        rows.append({"name": name, **scores, "cells": [scores[key] for key in CLASS_METRICS]})
    return {
        "folds": [f["index"] for f in scored],
        "metrics": [{"key": k, "label": v} for k, v in CLASS_METRICS.items()],
        "rows": rows,
        "aggregation": CLASS_AGGREGATION,
    }
