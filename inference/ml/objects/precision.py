"""Mean average precision over IoU thresholds (paper 004, after the 2018 Data Science Bowl)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from .overlap import iou_matrix

__all__ = [
    "DEFAULT_MAP_THRESHOLDS",
    "average_precision",
    "mean_average_precision",
    "true_positives_at",
]

DEFAULT_MAP_THRESHOLDS = np.round(np.arange(0.5, 1.0, 0.05), 2)


def true_positives_at(iou: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Matched pairs with IoU > t for each t (one-to-one; Hungarian on IoU)."""
    if iou.size == 0:
        return np.zeros(len(thresholds), dtype=np.int64)
    # For t >= 0.5 a pair above t is unique anyway; the assignment also keeps lower t honest.
    rows, cols = linear_sum_assignment(iou, maximize=True)
    matched = iou[rows, cols]
    return np.array([int(np.count_nonzero(matched > t)) for t in thresholds], dtype=np.int64)


def average_precision(
    pred_labels: np.ndarray, gt_labels: np.ndarray, thresholds: Sequence[float] | np.ndarray
) -> np.ndarray:
    """TP / (TP + FP + FN) at each IoU threshold (paper 004, eq. 5); 1.0 when both are empty."""
    thresholds_arr = np.asarray(thresholds, dtype=np.float64)
    iou = iou_matrix(pred_labels, gt_labels)
    n_gt, n_pred = iou.shape
    tp = true_positives_at(iou, thresholds_arr)
    denominator = n_gt + n_pred - tp  # TP + FP + FN
    return np.where(denominator > 0, tp / np.maximum(denominator, 1), 1.0)


def mean_average_precision(
    pred_labels: np.ndarray,
    gt_labels: np.ndarray,
    thresholds: Sequence[float] | np.ndarray = DEFAULT_MAP_THRESHOLDS,
) -> float:
    """Mean over IoU thresholds (default 0.50:0.05:0.95) of TP / (TP + FP + FN)."""
    # Rounded so 0.7 means 0.7 and not np.arange's 0.7000000000000002.
    thresholds_arr = np.round(np.asarray(thresholds, dtype=np.float64), 10)
    if thresholds_arr.size == 0:
        raise ValueError("thresholds must not be empty")
    return float(np.mean(average_precision(pred_labels, gt_labels, thresholds_arr)))
