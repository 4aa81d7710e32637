"""Pooled precision-recall counts, added chunk by chunk (pure NumPy).

One implementation behind :func:`inference.ml.metrics.pr_curve` (a whole stack at once) and an
evaluation's PR curve per method (volume by volume, so a whole evaluation never sits in memory).
"""

from __future__ import annotations

import numpy as np

__all__ = ["PRCounts", "curve_average_precision"]


class PRCounts:
    """Pooled precision-recall counts at ``n_points`` thresholds ``linspace(0, 1, n_points)``,
    added chunk by chunk (sections, volumes) so a whole evaluation never sits in memory.

    A pixel is predicted positive at ``t`` when ``p > t`` (as everywhere here).
    """

    def __init__(self, n_points: int = 101):
        if n_points < 2:
            raise ValueError(f"n_points must be >= 2, got {n_points}")
        self.thresholds = np.linspace(0.0, 1.0, n_points)
        # Index k counts the pixels with exactly k thresholds strictly below their probability.
        self.above_pos = np.zeros(n_points + 1, dtype=np.int64)
        self.above_neg = np.zeros(n_points + 1, dtype=np.int64)

    def add(self, probs: np.ndarray, gts: np.ndarray) -> None:
        probs_arr, gts_arr = np.asarray(probs), np.asarray(gts)
        if probs_arr.shape != gts_arr.shape:
            raise ValueError(f"probs and gts shapes differ: {probs_arr.shape} vs {gts_arr.shape}")
        flat_p, flat_t = probs_arr.reshape(-1), gts_arr.reshape(-1)
        step = 1 << 22  # bounded temporaries for large stacks
        n_bins = self.thresholds.size + 1
        for start in range(0, flat_p.size, step):
            truth = flat_t[start : start + step] != 0
            n_below = np.searchsorted(self.thresholds, flat_p[start : start + step], side="left")
            self.above_pos += np.bincount(n_below[truth], minlength=n_bins)
            self.above_neg += np.bincount(n_below[~truth], minlength=n_bins)

    @property
    def positives(self) -> int:
        return int(self.above_pos.sum())

    @property
    def pixels(self) -> int:
        return self.positives + int(self.above_neg.sum())

    def curve(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(precision, recall, thresholds)``; see :func:`pr_curve`."""
        # Pixels positive at threshold k are those with more than k thresholds below them.
        tp = np.cumsum(self.above_pos[::-1])[::-1][1:]
        fp = np.cumsum(self.above_neg[::-1])[::-1][1:]
        total_pos = self.positives
        with np.errstate(invalid="ignore", divide="ignore"):
            precision_curve = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 1.0)
            recall_curve = tp / total_pos if total_pos else np.full(tp.size, np.nan)
        return precision_curve, recall_curve, self.thresholds


def curve_average_precision(recall, precision) -> float:
    """The area under a precision-recall curve given as points: Σ (Rₙ − Rₙ₋₁) · Pₙ over the
    points in order of recall (from recall 0; at equal recall the highest precision counts),
    scikit-learn's ``average_precision_score`` for scores that take the curve's thresholds
    (a 0/1 mask: its point and the prevalence at recall 1). NaN without a point."""
    pairs = ((r, p) for r, p in zip(recall, precision) if r is not None and p is not None)
    points = sorted(
        ((float(r), float(p)) for r, p in pairs if np.isfinite(r) and np.isfinite(p)),
        key=lambda rp: (rp[0], -rp[1]),
    )
    if not points:
        return float("nan")
    area, before = 0.0, 0.0
    for r, p in points:
        area += (r - before) * p
        before = r
    return area
