"""A training job's cross-validation summary, aggregated the way the evaluation report does.

Each fold scores its held-out sections one by one; a fold's number is the mean over those
sections, and the job's number is the mean ± sample SD over the folds' means: the report's
"Mean ± SD over folds" row, so the job page and a cross-validation report of the job agree. Both
subsets are given: all held-out sections, and only those whose ground truth holds a nucleus
(a section empty in both the prediction and the ground truth scores Dice 1.0, which flatters a
model on stacks with many sections above and below the cell). The Dice of the pixels pooled per
fold is kept beside them under ``pooled``, named as such. Nuclei (object precision, recall and
F1 at IoU > 0.5, mAP) are under ``objects`` once every fold scored them (``fold_objects``).
"""

from __future__ import annotations

import math
from typing import Any

from inference.ml.metrics import aggregate, finite_or_none
from inference.reports.labels import AGGREGATIONS, NUCLEUS_DEFINITION, SUBSETS
from inference.selectors.model_versions import METRIC_LABELS, OBJECT_LABELS

__all__ = [
    "AGGREGATION",
    "POOLED_AGGREGATION",
    "SUBSETS",
    "cross_validation_summary",
    "isl_summary",
    "objects_summary",
    "over_folds",
]

METRIC_KEYS = tuple(METRIC_LABELS)
# The report's words (``inference.reports.labels``): a summary says what the report says.
AGGREGATION = AGGREGATIONS["folds"]
FOLD_MEAN = "each fold: mean over its held-out sections"
POOLED_AGGREGATION = (
    "each fold: pixels pooled over its held-out sections; mean ± sample SD over folds"
)
# Where each subset's per-fold means are stored in a fold's metrics (``fold_run``).
_FOLD_KEYS = {
    "all": ("section_mean", "sections"),
    "nucleus": ("section_mean_nucleus", "sections_nucleus"),
}


def over_folds(per_fold: list[float | None]) -> dict[str, Any]:
    mean, std = aggregate([math.nan if v is None else v for v in per_fold])
    return {"mean": finite_or_none(mean), "std": finite_or_none(std), "per_fold": per_fold}


def _metrics(fold_blocks: list[dict | None]) -> dict[str, Any]:
    return {
        key: {
            "label": label,
            **over_folds([finite_or_none((b or {}).get(key)) for b in fold_blocks]),
        }
        for key, label in METRIC_LABELS.items()
    }


def cross_validation_summary(fold_metrics: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary of the succeeded cross-validation folds' metrics, in fold order.

    ``metrics`` (the headline, used by lists and model versions) is the "all sections" subset.
    Folds scored before the per-section means were stored have only pooled numbers; their
    summary says so (``aggregation`` is the pooled one) rather than mixing the two.
    """
    objects = objects_summary(fold_metrics)
    nuclei = {"objects": objects} if objects else {}
    per_section = all(m.get("section_mean") for m in fold_metrics)
    pooled = _metrics(fold_metrics)
    if not per_section:
        return {
            "metrics": pooled,
            "aggregation": POOLED_AGGREGATION,
            "subsets": {},
            "pooled": pooled,
            **nuclei,
        }
    subsets = {}
    for subset, label in SUBSETS.items():
        means_key, count_key = _FOLD_KEYS[subset]
        if subset == "nucleus" and not all(means_key in m for m in fold_metrics):
            continue
        subsets[subset] = {
            "label": label,
            "sections": [m.get(count_key) for m in fold_metrics],
            "metrics": _metrics([m.get(means_key) for m in fold_metrics]),
        }
    return {
        "metrics": subsets["all"]["metrics"],
        "aggregation": f"{AGGREGATION} ({FOLD_MEAN})",
        "subsets": subsets,
        "nucleus_definition": NUCLEUS_DEFINITION,
        "pooled": pooled,
        "pooled_aggregation": POOLED_AGGREGATION,
        **nuclei,
    }


def objects_summary(fold_metrics: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The folds' nuclei scores (``metrics["objects"]``) with mean ± sample SD over folds; None
    when a fold was scored before nuclei were (its numbers are unknown, not 0)."""
    blocks = [m.get("objects") for m in fold_metrics]
    if not blocks or not all(blocks):
        return None
    return {
        "metrics": {
            key: {
                "label": label,
                **over_folds([finite_or_none(b.get(key)) for b in blocks]),
            }
            for key, label in OBJECT_LABELS.items()
        },
        "aggregation": f"mean ± sample SD over folds ({blocks[0]['aggregation']})",
        "sections": [b.get("sections") for b in blocks],
        "nuclei": [b.get("n_gt") for b in blocks],
        "pred_instances": ", ".join(sorted({b["pred_instances"] for b in blocks})),
        "gt_instances": ", ".join(sorted({b["gt_instances"] for b in blocks})),
        **_objects_per_class(blocks),
    }


def _objects_per_class(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """``{"per_class": [...]}``: each instance class's nuclei scores, mean ± sample SD over folds,
    when the folds scored several instance classes (``fold_objects``); else empty."""
    if not all(b.get("per_class") for b in blocks):
        return {}
    by_fold = [{c["value"]: c for c in b["per_class"]} for b in blocks]
    return {
        "per_class": [
            {
                "value": c["value"],
                "name": c["name"],
                "nuclei": [f.get(c["value"], {}).get("n_gt") for f in by_fold],
                "metrics": {
                    key: {
                        "label": label,
                        **over_folds(
                            [finite_or_none(f.get(c["value"], {}).get(key)) for f in by_fold]
                        ),
                    }
                    for key, label in OBJECT_LABELS.items()
                },
            }
            for c in blocks[0]["per_class"]
        ]
    }


def isl_summary(fold_metrics: list[dict[str, Any]]) -> dict[str, Any]:
    """An in-silico-labelling job's summary: the stain's PCC (and L1 loss) per fold, each the
    mean over the fold's held-out sections, with mean ± sample SD over folds."""
    return {
        "metrics": {
            "pcc": {"label": "PCC", **over_folds([m.get("pcc") for m in fold_metrics])},
            "l1": {"label": "L1 loss", **over_folds([m.get("l1") for m in fold_metrics])},
        },
        "aggregation": f"{AGGREGATION} (each fold: mean PCC over its held-out sections)",
        "subsets": {},
    }
