"""Pixel metrics of one label class, section by section, from class maps.

A class k is scored as "k versus everything else": predicted pixels ``pred_map == k`` against
true pixels ``true_map == k`` (scikit-learn's ``f1_score`` / ``jaccard_score`` with
``labels=[k]``, ``average=None``, give the same Dice and Jaccard). AUC-PR ranks the pixels by the
class's own probability (a softmax channel, or the sigmoid of a binary output); a method
without a score (the rule-based baselines) is ranked by its mask.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .counts import paper_scores
from .sections import batch_section_metrics

__all__ = ["class_section_metrics"]


def class_section_metrics(
    pred_maps: np.ndarray,
    true_maps: np.ndarray,
    value: int,
    scores: np.ndarray | None = None,
    threshold: float = 0.5,
) -> list[dict[str, Any]]:
    """Every section metric of class ``value`` for class-map stacks ``(N, H, W)``: dice, jaccard,
    f05, precision, recall at the predicted map, auc_pr from ``scores`` (the class's probability,
    same shape; None: the predicted mask), tp, fp, fn, pred_pixels, gt_pixels."""
    pred_maps, true_maps = np.asarray(pred_maps), np.asarray(true_maps)
    if pred_maps.shape != true_maps.shape or pred_maps.ndim != 3:
        raise ValueError(f"need two (N, H, W) class maps, got {pred_maps.shape}, {true_maps.shape}")
    pred, truth = pred_maps == value, true_maps == value
    ranked = pred.astype(np.float32) if scores is None else np.asarray(scores, dtype=np.float32)
    rows = batch_section_metrics(ranked, truth, threshold)
    flat_pred, flat_truth = pred.reshape(len(pred), -1), truth.reshape(len(truth), -1)
    tp = np.count_nonzero(flat_pred & flat_truth, axis=1)
    pred_pixels = np.count_nonzero(flat_pred, axis=1)
    gt_pixels = np.count_nonzero(flat_truth, axis=1)
    for row, t, p, g in zip(rows, tp, pred_pixels, gt_pixels):
        t, p, g = int(t), int(p), int(g)
        row.update(paper_scores(t, p - t, g - t))
        row.update(tp=t, fp=p - t, fn=g - t, pred_pixels=p, gt_pixels=g)
    return rows
