"""The object-level numbers of one binary prediction against one binary ground truth."""

from __future__ import annotations

import numpy as np

from .labels import label_instances
from .matching import match_instances
from .precision import mean_average_precision

__all__ = ["object_scores"]


def object_scores(
    pred_mask: np.ndarray, gt_mask: np.ndarray, iou_threshold: float = 0.7
) -> dict[str, float]:
    """Object-level numbers of a binary prediction against a binary ground truth (3D or 2D):
    paper 003's counts and rates at ``iou_threshold`` and the mAP over IoU 0.50:0.05:0.95."""
    pred_labels, gt_labels = label_instances(pred_mask), label_instances(gt_mask)
    match = match_instances(pred_labels, gt_labels, iou_threshold)
    return {
        "n_gt": match.n_gt,
        "n_pred": match.n_pred,
        "correct": match.correct_detections,
        "incorrect": match.incorrect_detections,
        "false_negatives": match.false_negatives,
        "false_positives": match.false_positives,
        "fn_rate": match.false_negative_rate,
        "fp_rate": match.false_positive_rate,
        "split": match.split_count,
        "merge": match.merge_count,
        "catastrophe": match.catastrophe_count,
        "map": mean_average_precision(pred_labels, gt_labels),
    }
