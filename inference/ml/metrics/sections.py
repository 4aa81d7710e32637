"""Every metric of one section, of a stack of sections (fast), and the pooled PR curve."""

from __future__ import annotations

from typing import Any

import numpy as np

from annotations.imaging.overlap import _binary_pair, confusion
from inference.ml.pr import PRCounts

from .auc import HALF_SPAN, LOG_ODDS_BINS, ap_from_histograms, auc_pr, log_odds_codes
from .counts import paper_scores

__all__ = [
    "MASK_METRIC_KEYS",
    "SECTION_METRIC_KEYS",
    "batch_section_metrics",
    "pr_curve",
    "section_metrics",
]

# The scores of a thresholded mask, and with AUC-PR (it needs the probabilities) the scores of a
# section every evaluation, fold and report names, in the order they show them.
MASK_METRIC_KEYS = ("dice", "jaccard", "f05", "precision", "recall")
SECTION_METRIC_KEYS = (*MASK_METRIC_KEYS, "auc_pr")


def _metrics_dict(
    tp: int, fp: int, fn: int, gt_pixels: int, pred_pixels: int, ap: float
) -> dict[str, Any]:
    return {
        **paper_scores(tp, fp, fn),
        "auc_pr": float(ap),
        "tp": int(tp),
        "fp": int(fp),
        "fn": int(fn),
        "pred_pixels": int(pred_pixels),
        "gt_pixels": int(gt_pixels),
    }


def section_metrics(prob: np.ndarray, gt: np.ndarray, threshold: float = 0.5) -> dict[str, Any]:
    """All section metrics: keys dice, jaccard, f05, precision, recall, auc_pr (exact), tp, fp,
    fn, pred_pixels, gt_pixels. ``pred = prob > threshold``."""
    prob_arr = np.asarray(prob)
    pred, truth = _binary_pair(prob_arr > threshold, gt)
    tp, fp, fn, _ = confusion(pred, truth)
    return _metrics_dict(tp, fp, fn, tp + fn, tp + fp, auc_pr(prob_arr, truth))


def batch_section_metrics(
    probs: np.ndarray, gts: np.ndarray, threshold: float = 0.5, *, chunk: int = 16
) -> list[dict[str, Any]]:
    """:func:`section_metrics` for a stack of sections ``(N, H, W)``, fast.

    Threshold metrics are exact; AUC-PR uses the log-odds histogram (``LOG_ODDS_BINS`` bins)
    and agrees with the exact value to ~1e-5 (tests check < 1e-3). ``chunk`` sections are
    histogrammed per ``np.bincount`` call.
    """
    probs_arr = np.asarray(probs)
    gts_arr = np.asarray(gts)
    if probs_arr.shape != gts_arr.shape:
        raise ValueError(f"probs and gts shapes differ: {probs_arr.shape} vs {gts_arr.shape}")
    if probs_arr.ndim < 2:
        raise ValueError(f"expected a stack of sections (N, H, W), got shape {probs_arr.shape}")
    n_sections = probs_arr.shape[0]
    bins = LOG_ODDS_BINS
    exact_half = float(threshold) == 0.5
    results: list[dict[str, Any]] = []
    for start in range(0, n_sections, chunk):
        stop = min(start + chunk, n_sections)
        count = stop - start
        p = probs_arr[start:stop].reshape(count, -1)
        truth = gts_arr[start:stop].reshape(count, -1)
        truth = truth if truth.dtype == np.bool_ else truth != 0

        codes = log_odds_codes(p)
        # One bincount for the whole chunk: section i, class c uses bins [(2i + c)·bins, ...).
        np.add(codes, bins, out=codes, where=truth)
        codes += (2 * bins * np.arange(count, dtype=np.int32))[:, None]
        hist = np.bincount(codes.ravel(), minlength=2 * bins * count).reshape(count, 2, bins)
        neg = hist[:, 0, ::-1]
        pos = hist[:, 1, ::-1]
        ap = ap_from_histograms(pos, neg)

        gt_pixels = pos.sum(axis=1)
        if exact_half:
            # Descending codes: the first HALF_SPAN + 1 bins are exactly the pixels with p > 0.5.
            tp = pos[:, : HALF_SPAN + 1].sum(axis=1)
            pred_pixels = tp + neg[:, : HALF_SPAN + 1].sum(axis=1)
        else:
            pred = p > threshold
            tp = np.count_nonzero(pred & truth, axis=1)
            pred_pixels = np.count_nonzero(pred, axis=1)
        for i in range(count):
            tp_i = int(tp[i])
            results.append(
                _metrics_dict(
                    tp_i,
                    int(pred_pixels[i]) - tp_i,
                    int(gt_pixels[i]) - tp_i,
                    int(gt_pixels[i]),
                    int(pred_pixels[i]),
                    float(ap[i]),
                )
            )
    return results


def pr_curve(
    probs: np.ndarray, gts: np.ndarray, n_points: int = 101
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision-recall curve pooled over all pixels of all sections, for charts.

    Returns ``(precision, recall, thresholds)`` with ``thresholds = linspace(0, 1, n_points)``
    and a pixel predicted positive at ``t`` when ``p > t`` (as everywhere here). Where nothing is
    predicted (``t = 1``) precision is 1.0, the usual end point of a PR curve; with no positive
    pixel at all recall is NaN. Chunk by chunk: :class:`PRCounts`.
    """
    counts = PRCounts(n_points)
    counts.add(probs, gts)
    return counts.curve()
