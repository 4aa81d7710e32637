"""Overlap of two binary masks: pixel counts and the scores built from them (pure NumPy).

One implementation serves the agreement between annotators (``annotations.consensus``) and the
segmentation metrics (``inference.ml.metrics``), so both always agree on the edge cases:

    both masks empty      -> every score 1.0 (they agree there is no nucleus)
    exactly one empty     -> every score 0.0

Non-zero pixels are foreground.
"""

from __future__ import annotations

import numpy as np


def _binary_pair(pred: np.ndarray, gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pred_arr, gt_arr = np.asarray(pred), np.asarray(gt)
    if pred_arr.shape != gt_arr.shape:
        raise ValueError(
            f"masks must have the same shape (shapes differ: {pred_arr.shape} vs {gt_arr.shape})"
        )
    return pred_arr != 0, gt_arr != 0


def confusion(pred: np.ndarray, gt: np.ndarray) -> tuple[int, int, int, int]:
    """Pixel counts ``(tp, fp, fn, tn)`` of a binary mask against a binary reference."""
    pred_b, gt_b = _binary_pair(pred, gt)
    tp = int(np.count_nonzero(pred_b & gt_b))
    fp = int(np.count_nonzero(pred_b)) - tp
    fn = int(np.count_nonzero(gt_b)) - tp
    tn = int(pred_b.size) - tp - fp - fn
    return tp, fp, fn, tn


def _ratio(numerator: float, denominator: float, both_empty: bool) -> float:
    """numerator / denominator, with 0/0 = 1.0 when both masks are empty, else 0.0."""
    if denominator > 0:
        return float(numerator) / float(denominator)
    return 1.0 if both_empty else 0.0


def scores_from_counts(tp: int, fp: int, fn: int, *, beta: float = 0.5) -> dict[str, float]:
    """DICE, Jaccard, F-beta, precision and recall from counts, with the edge cases above.

    Useful for pooled metrics too: sum the counts of many sections, then call this once.
    """
    both_empty = tp == 0 and fp == 0 and fn == 0
    b2 = beta * beta
    return {
        "dice": _ratio(2 * tp, 2 * tp + fp + fn, both_empty),
        "jaccard": _ratio(tp, tp + fp + fn, both_empty),
        "f_beta": _ratio((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp, both_empty),
        "precision": _ratio(tp, tp + fp, both_empty),
        "recall": _ratio(tp, tp + fn, both_empty),
    }


def pair_score(a: np.ndarray, b: np.ndarray, name: str, *, beta: float = 0.5) -> float:
    """One of the :func:`scores_from_counts` of the pair (``a`` predicted, ``b`` the truth)."""
    tp, fp, fn, _ = confusion(a, b)
    return scores_from_counts(tp, fp, fn, beta=beta)[name]


def dice(a: np.ndarray, b: np.ndarray) -> float:
    """Dice coefficient 2|A∩B| / (|A| + |B|) = 2TP / (2TP + FP + FN)."""
    return pair_score(a, b, "dice")


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard index |A∩B| / |A∪B| = TP / (TP + FP + FN)."""
    return pair_score(a, b, "jaccard")
