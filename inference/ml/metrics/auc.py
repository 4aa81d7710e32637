"""AUC-PR as average precision: exact by sorting, or from log-odds histograms for many sections.

The histogram bins (see the package docstring) keep 1,024 bins per octave of ``min(p, 1 − p)``
down to 2^-40; codes up to ``HALF_SPAN`` are ``p <= 0.5``, so the threshold-0.5 counts come out
of the same histogram.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["HALF_SPAN", "LOG_ODDS_BINS", "ap_from_histograms", "auc_pr", "log_odds_codes"]


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


# Log-odds bins (see the package docstring): with the float32 bit pattern of x = min(p, 1 − p),
# keeping 10 mantissa bits gives 1,024 bins per octave of x.
_MANTISSA_SHIFT = 13
_LOW_EDGE_CODE = int(np.float32(2.0**-40).view(np.int32)) >> _MANTISSA_SHIFT
_HALF_CODE = int(np.float32(0.5).view(np.int32)) >> _MANTISSA_SHIFT
_SPAN = _HALF_CODE - _LOW_EDGE_CODE
HALF_SPAN = _SPAN
"""The largest bin code of a probability <= 0.5 (descending order: the first ``HALF_SPAN + 1``
bins hold the pixels with p > 0.5)."""
LOG_ODDS_BINS = 2 * _SPAN + 2
"""Number of probability bins :func:`batch_section_metrics` uses for AUC-PR (79,874)."""


def log_odds_codes(probabilities: np.ndarray) -> np.ndarray:
    """Monotone int32 bin codes in [0, LOG_ODDS_BINS): codes <= HALF_SPAN are p <= 0.5, codes above
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


def ap_from_histograms(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """AP per row from positive/negative counts per bin, bins in DESCENDING probability."""
    true_pos = np.cumsum(pos, axis=-1)
    predicted = true_pos + np.cumsum(neg, axis=-1)
    total_pos = true_pos[..., -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        precision_at = np.where(predicted > 0, true_pos / np.maximum(predicted, 1), 0.0)
        ap = np.sum(pos * precision_at, axis=-1) / total_pos
    return np.where(total_pos > 0, ap, np.nan)
