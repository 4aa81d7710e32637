"""What people read for a metric key, a method, a model and an aggregation: one table each.

The report, the evaluation pages, the comparison and ``manage.py evaluate`` all name things from
here, so a key such as ``f05`` or ``auc_pr`` never reaches a reader raw, and every number says
how it was aggregated.
"""

from __future__ import annotations

from typing import Any

from inference.ml.nets import model_label
from inference.models import Evaluation, EvaluationMethod, EvaluationSetKind
from inference.selectors.training import METRIC_LABELS
from inference.services.evaluation.labels import WATERSHED_H, truth_numbering

__all__ = [
    "AGGREGATIONS",
    "AREA_METRICS",
    "METRICS",
    "METRIC_LABELS",
    "MIXED_METRICS",
    "NUCLEUS_DEFINITION",
    "SUBSETS",
    "VOLUME_METRICS",
    "VOLUME_METRIC_LABELS",
    "cross_validation_label",
    "mean_sd_text",
    "method_label",
    "metric_label",
    "prediction_split_label",
]

# METRIC_LABELS is the model-version pages' table of the six section metrics: one serves both.
VOLUME_METRIC_LABELS = {
    "dice_3d": "3D Dice",
    "intersection_ratio": "Volume intersection ratio",
    "abs_volume_difference_um3": "|Volume difference| (µm³)",
    "volume_difference_pct": "Volume difference (%)",
}
METRICS = tuple(METRIC_LABELS.items())
VOLUME_METRICS = tuple(VOLUME_METRIC_LABELS.items())
# Single-section (2D) fields: the same numbers over the field's area; no volume in µm³.
AREA_METRICS = (
    ("dice_3d", "Dice of the field"),
    ("intersection_ratio", "Area intersection ratio"),
    ("area_difference_pct", "Area difference (%)"),
)
# A set of 3D volumes and 2D fields: a volume's difference in % and a field's (its area's) in
# columns of their own, each over its own kind, never averaged together.
MIXED_METRICS = (
    *VOLUME_METRICS[:3],
    ("volume_difference_pct", "Volume difference (%), 3D volumes"),
    ("area_difference_pct", "Area difference (%), 2D fields"),
)

# Which sections a per-section number is taken over. Sections empty in both the prediction and
# the ground truth score Dice 1.0, so "all" flatters a model on sets with many empty sections.
SUBSETS = {"all": "all sections", "nucleus": "sections with a nucleus"}
NUCLEUS_DEFINITION = "the ground truth of the section is not empty"

# The object table's precision / recall / F1 columns (the report's header order): at IoU > 0.5
# and at the correct detections' IoU ≥ 0.7 (``inference.ml.objects.detection``).
DETECTION_KEYS = ("precision_iou50", "recall_iou50", "f1_iou50", "f1_iou70")

AGGREGATIONS = {
    "sections": "mean ± sample SD over sections",
    "folds": "mean ± sample SD over the folds' means",
    "volumes": "mean ± sample SD over volumes",
    "pixels": "pixels pooled over the set",
    "objects": "matched section by section on real instances; counts summed over sections and "
    "volumes; object precision, recall and F1 from those sums; mAP pooled over each volume's "
    "sections, then mean over volumes",
    "cells": "mean ± sample SD over predicted cells",
    "box": "box: quartiles and median of the sections' Dice; whiskers: the furthest section "
    "within 1.5 × IQR of the box; points: only the sections beyond (outliers)",
}


def mean_sd_text(cell: dict | None, digits: int) -> str:
    """A summary's ``{"mean", "std"}`` as plain text: "mean ± SD", the mean alone where there
    is no SD (one value), "—" without a mean (the report's cells, ``report_cells.mean_sd``)."""
    cell = cell or {}
    if cell.get("mean") is None:
        return "—"
    text = f"{cell['mean']:.{digits}f}"
    return text if cell.get("std") is None else f"{text} ± {cell['std']:.{digits}f}"


def metric_label(key: str) -> str:
    return METRIC_LABELS.get(key) or VOLUME_METRIC_LABELS.get(key) or key.replace("_", " ")


def _arch_label(arch: str) -> str:
    try:
        return model_label(arch)
    except (KeyError, ValueError):
        return arch or "Model"


def cross_validation_label(*, arch: str, job_id: int | None, folds: int) -> str:
    """A k-fold job scored fold by fold is one model family, not its first fold."""
    job = f" · job {job_id}" if job_id else ""
    return f"{_arch_label(arch)}{job} ({folds} fold{'s' if folds != 1 else ''})"


def _model_name(evaluation: Evaluation) -> str:
    config: dict[str, Any] = evaluation.config or {}
    model = config.get("model") or {}
    if evaluation.set_kind == EvaluationSetKind.CROSS_VALIDATION:
        folds = [u for u in config.get("units") or [] if int(u.get("fold", -1)) >= 0]
        if folds:
            return cross_validation_label(
                arch=model.get("arch") or "", job_id=model.get("job"), folds=len(folds)
            )
    return model.get("name") or "Model"


def method_label(evaluation: Evaluation, method: str) -> str:
    if method == EvaluationMethod.MODEL:
        return _model_name(evaluation)
    return dict(EvaluationMethod.choices).get(method, method)


def prediction_split_label(evaluation: Evaluation) -> str:
    """Whether the evaluation separated touching predicted nuclei before scoring objects, and
    how (``Evaluation.split_touching``), worded from the ground truth it used (``gt_source``)."""
    if evaluation.split_touching:
        return (
            "separated by the watershed of their distance transform (h-maxima seeds, "
            f"h = {WATERSHED_H:g} px, wide necks merged), section by section, where a prediction is numbered by "
            "connected components (a binary version, edge-based, Otsu); a version with an "
            f"instance head keeps its own instances; {truth_numbering(evaluation.gt_source)}"
        )
    return (
        "not separated: where a prediction is numbered by connected components, two touching "
        "nuclei count as one object"
    )
