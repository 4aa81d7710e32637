"""Segmentation metrics of the OS-Net paper, per 2D section and per 3D volume (pure NumPy).

Definitions (paper 000, eqs. 1-5), with TP/FP/FN counted over the pixels of one section after
thresholding the predicted probability (``pred = probability > threshold``, threshold 0.5 as in
the paper and in ``engine.evaluate``)::

    DICE      = 2TP / (2TP + FP + FN)
    Jaccard   = TP / (TP + FP + FN)
    F0.5      = 1.25TP / (1.25TP + FP + 0.25FN)      (F-beta: (1+b²)TP / ((1+b²)TP + b²FN + FP))
    precision = TP / (TP + FP)
    recall    = TP / (TP + FN)

Edge cases. A ratio is 0/0 only when its counts are all zero; we resolve it so that the section
that is right scores 1 and the section that is wrong scores 0:

    prediction  ground truth | DICE  Jaccard  F0.5  precision   recall      AUC-PR
    empty       empty        | 1.0   1.0      1.0   1.0 (0/0)   1.0 (0/0)   NaN
    empty       nucleus      | 0.0   0.0      0.0   0.0 (0/0)   0.0         finite
    nucleus     empty        | 0.0   0.0      0.0   0.0         0.0 (0/0)   NaN

- An empty prediction for a section that has a nucleus has precision 0, not 1: it found nothing,
  and scoring it 1 would reward a model that never predicts anything.
- AUC-PR needs at least one positive pixel: with none, recall is 0/0 at every threshold and the
  curve does not exist. We return NaN (scikit-learn warns and returns 0 instead) and
  :func:`aggregate` skips NaN, so sections without a nucleus do not drag a model's mean AUC-PR
  down (or up). The only other NaN is ``volume_difference_pct`` for an empty GT volume (a
  difference relative to nothing). NaN is not valid JSON: store it as null.

AUC-PR is the average precision ``AP = Σ_n (R_n − R_{n−1}) P_n`` over the distinct probability
values taken as thresholds, i.e. exactly what ``sklearn.metrics.average_precision_score``
computes (:func:`auc_pr` equals it to 1e-12). The paper calls it the area under the PR curve;
this step-wise sum is the standard, non-interpolated estimator of that area.

:func:`batch_section_metrics` computes AP from per-section histograms instead of sorting (1,000
sections of 448x448 in a few seconds): probabilities are binned on a log-odds scale, 1,024 bins
per factor of two of ``p`` below 1/2 and of ``1 − p`` above it, down to 2^-40, 79,874 bins in
all. A uniform grid of 1,024 bins is not enough: a trained network saturates (most nucleus pixels
at ``p > 0.999``) and the ranking inside that one top bin is what AP measures; uniform bins were
off by 0.01-0.09 on such maps, the log-odds bins by < 1e-5 (see the tests).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from annotations.imaging.overlap import (
    _binary_pair,
    _ratio,
    confusion,
    dice,
    jaccard,
    scores_from_counts,
)
from inference.ml.pr import PRCounts

__all__ = [
    "LOG_ODDS_BINS",
    "aggregate",
    "auc_pr",
    "batch_section_metrics",
    "confusion",
    "dice",
    "f_beta",
    "finite_or_none",
    "jaccard",
    "pr_curve",
    "precision",
    "recall",
    "scores_from_counts",
    "section_metrics",
    "volume_metrics",
]


# --------------------------------------------------------------------------------------------
# Counts and threshold metrics
# --------------------------------------------------------------------------------------------


def f_beta(pred: np.ndarray, gt: np.ndarray, beta: float = 0.5) -> float:
    """F-beta = (1+β²)TP / ((1+β²)TP + β²FN + FP); β = 0.5 gives the paper's
    F0.5 = 1.25TP / (1.25TP + FP + 0.25FN). Both empty ⇒ 1.0, one empty ⇒ 0.0."""
    if beta <= 0:
        raise ValueError(f"beta must be > 0, got {beta}")
    tp, fp, fn, _ = confusion(pred, gt)
    return scores_from_counts(tp, fp, fn, beta=beta)["f_beta"]


def precision(pred: np.ndarray, gt: np.ndarray) -> float:
    """TP / (TP + FP); both empty ⇒ 1.0; empty prediction with a nucleus in GT ⇒ 0.0."""
    tp, fp, fn, _ = confusion(pred, gt)
    return scores_from_counts(tp, fp, fn)["precision"]


def recall(pred: np.ndarray, gt: np.ndarray) -> float:
    """TP / (TP + FN); both empty ⇒ 1.0; prediction on a section without nucleus ⇒ 0.0."""
    tp, fp, fn, _ = confusion(pred, gt)
    return scores_from_counts(tp, fp, fn)["recall"]


# --------------------------------------------------------------------------------------------
# AUC of the precision-recall curve
# --------------------------------------------------------------------------------------------


def auc_pr(probabilities: np.ndarray, gt: np.ndarray) -> float:
    """Area under the precision-recall curve as average precision, exact (sorts the pixels).

    Equals ``sklearn.metrics.average_precision_score(gt.ravel(), probabilities.ravel())``;
    NaN when the ground truth has no positive pixel (see the module docstring).
    """
    scores = np.asarray(probabilities, dtype=np.float64).ravel()
    truth = np.asarray(gt).ravel() != 0
    if scores.shape != truth.shape:
        raise ValueError(
            f"probabilities and ground truth sizes differ: {scores.size} vs {truth.size}"
        )
    positives = int(np.count_nonzero(truth))
    if positives == 0:
        return math.nan
    order = np.argsort(scores, kind="stable")[::-1]
    sorted_scores = scores[order]
    sorted_truth = truth[order]
    # The last index of each run of equal scores: tied pixels enter the ranking together.
    last_of_run = np.r_[np.flatnonzero(np.diff(sorted_scores)), sorted_scores.size - 1]
    true_pos = np.cumsum(sorted_truth, dtype=np.int64)[last_of_run]
    predicted = last_of_run + 1
    recall_steps = np.diff(true_pos, prepend=0) / positives
    return float(np.sum(recall_steps * (true_pos / predicted)))


# Log-odds bins (see the module docstring): with the float32 bit pattern of x = min(p, 1 − p),
# keeping 10 mantissa bits gives 1,024 bins per octave of x.
_MANTISSA_SHIFT = 13
_LOW_EDGE_CODE = int(np.float32(2.0**-40).view(np.int32)) >> _MANTISSA_SHIFT
_HALF_CODE = int(np.float32(0.5).view(np.int32)) >> _MANTISSA_SHIFT
_SPAN = _HALF_CODE - _LOW_EDGE_CODE
LOG_ODDS_BINS = 2 * _SPAN + 2
"""Number of probability bins :func:`batch_section_metrics` uses for AUC-PR (79,874)."""


def _log_odds_codes(probabilities: np.ndarray) -> np.ndarray:
    """Monotone int32 bin codes in [0, LOG_ODDS_BINS): codes <= _SPAN are p <= 0.5, codes above
    are p > 0.5, so the threshold-0.5 counts come out of the same histogram."""
    p = np.asarray(probabilities, dtype=np.float32)
    low = p <= np.float32(0.5)
    # 1 − p is exact in float32 for p in [0.5, 1] (Sterbenz), so resolution near 1 is kept.
    folded = np.float32(1.0) - p
    np.copyto(folded, p, where=low)
    codes = folded.view(np.int32)
    codes >>= _MANTISSA_SHIFT
    np.clip(codes, _LOW_EDGE_CODE, _HALF_CODE, out=codes)
    codes -= _LOW_EDGE_CODE
    np.subtract(2 * _SPAN + 1, codes, out=codes, where=~low)
    return codes


def _ap_from_histograms(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """AP per row from positive/negative counts per bin, bins in DESCENDING probability."""
    true_pos = np.cumsum(pos, axis=-1)
    predicted = true_pos + np.cumsum(neg, axis=-1)
    total_pos = true_pos[..., -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        precision_at = np.where(predicted > 0, true_pos / np.maximum(predicted, 1), 0.0)
        ap = np.sum(pos * precision_at, axis=-1) / total_pos
    return np.where(total_pos > 0, ap, np.nan)


# --------------------------------------------------------------------------------------------
# Per-section and batch metrics
# --------------------------------------------------------------------------------------------


def _metrics_dict(
    tp: int, fp: int, fn: int, gt_pixels: int, pred_pixels: int, ap: float
) -> dict[str, Any]:
    scores = scores_from_counts(tp, fp, fn, beta=0.5)
    return {
        "dice": scores["dice"],
        "jaccard": scores["jaccard"],
        "f05": scores["f_beta"],
        "precision": scores["precision"],
        "recall": scores["recall"],
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

        codes = _log_odds_codes(p)
        # One bincount for the whole chunk: section i, class c uses bins [(2i + c)·bins, ...).
        np.add(codes, bins, out=codes, where=truth)
        codes += (2 * bins * np.arange(count, dtype=np.int32))[:, None]
        hist = np.bincount(codes.ravel(), minlength=2 * bins * count).reshape(count, 2, bins)
        neg = hist[:, 0, ::-1]
        pos = hist[:, 1, ::-1]
        ap = _ap_from_histograms(pos, neg)

        gt_pixels = pos.sum(axis=1)
        if exact_half:
            # Descending codes: the first _SPAN + 1 bins are exactly the pixels with p > 0.5.
            tp = pos[:, : _SPAN + 1].sum(axis=1)
            pred_pixels = tp + neg[:, : _SPAN + 1].sum(axis=1)
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


# --------------------------------------------------------------------------------------------
# 3D
# --------------------------------------------------------------------------------------------


def volume_metrics(
    pred_vol: np.ndarray, gt_vol: np.ndarray, voxel_size_zyx: Sequence[float]
) -> dict[str, float]:
    """Nucleus volume agreement of a section-wise prediction stacked into a volume.

    Keys: ``pred_volume_um3``, ``gt_volume_um3``, ``volume_difference_um3`` (pred − GT, signed),
    ``volume_difference_pct`` (100·(pred − GT)/GT), ``volume_intersection_ratio``, ``dice_3d``
    and ``jaccard_3d``.

    Volume intersection ratio = |P ∩ G| / |G|: the fraction of the ground-truth nucleus volume
    that the prediction recovers. The OS-Net paper reports it without a formula: "the average
    volume intersection ratio was 90.372% and the absolute difference was in a scale of sub-µm"
    (cross-modality) and "the average volume intersection ratio for cross-laboratory validation
    set was 81.002%", right after noting that "OS-Net tended to undersegment the nucleus region
    compared to ground truth slightly". Normalising by the ground truth is the reading that fits
    that context (an under-segmented prediction loses exactly the GT volume it misses); the
    symmetric overlap is reported separately as ``jaccard_3d``.

    Edge cases: both volumes empty ⇒ ratio, Dice and Jaccard 1.0 and difference 0 %; empty GT
    with a non-empty prediction ⇒ ratio, Dice, Jaccard 0.0 and difference NaN (relative to
    nothing).
    """
    if len(voxel_size_zyx) != 3 or any(float(v) <= 0 for v in voxel_size_zyx):
        raise ValueError(f"voxel_size_zyx must be three positive numbers, got {voxel_size_zyx}")
    pred_b, gt_b = _binary_pair(pred_vol, gt_vol)
    if pred_b.ndim != 3:
        raise ValueError(f"expected 3D volumes (z, y, x), got shape {pred_b.shape}")
    voxel_um3 = float(np.prod([float(v) for v in voxel_size_zyx]))
    pred_n = int(np.count_nonzero(pred_b))
    gt_n = int(np.count_nonzero(gt_b))
    inter = int(np.count_nonzero(pred_b & gt_b))
    both_empty = pred_n == 0 and gt_n == 0
    if gt_n > 0:
        difference_pct = 100.0 * (pred_n - gt_n) / gt_n
    else:
        difference_pct = 0.0 if pred_n == 0 else math.nan
    return {
        "pred_volume_um3": pred_n * voxel_um3,
        "gt_volume_um3": gt_n * voxel_um3,
        "volume_difference_um3": (pred_n - gt_n) * voxel_um3,
        "volume_difference_pct": difference_pct,
        "volume_intersection_ratio": _ratio(inter, gt_n, both_empty),
        "dice_3d": _ratio(2 * inter, pred_n + gt_n, both_empty),
        "jaccard_3d": _ratio(inter, pred_n + gt_n - inter, both_empty),
    }


# --------------------------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------------------------


def finite_or_none(value: Any) -> float | None:
    """A number that JSON can hold: NaN and infinities become None."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def aggregate(values: Iterable[float], *, ddof: int = 1) -> tuple[float, float]:
    """``(mean, std)`` of the values, skipping NaN (e.g. AUC-PR of nucleus-free sections).

    ``std`` is the sample standard deviation (``ddof=1``) as in "mean ± SD" over folds or cells;
    with a single value it is 0.0. No finite value ⇒ ``(nan, nan)``.
    """
    array = np.asarray(list(values), dtype=np.float64)
    finite = array[~np.isnan(array)]
    if finite.size == 0:
        return math.nan, math.nan
    mean = float(finite.mean())
    if finite.size <= ddof:
        return mean, 0.0
    return mean, float(finite.std(ddof=ddof))
