"""How much k models disagree on one section: the active-learning score of "most informative
first". The k fold models of a cross-validation job were trained on different specimens, so
where they disagree the training data did not settle the answer, and an annotation there
teaches the next round most. Nothing extra is trained (no MC dropout, no ensemble of seeds).

Two numbers per section, from the models' foreground probabilities ``(k, h, w)``:

- **variance**: the variance over the k models of each pixel's probability (population
  variance, ``ddof=0``), averaged over the pixels; 0 when they agree, at most 0.25.
- **pairwise Dice**: the mean Dice over every pair of the models' masks at the threshold, with
  two empty masks agreeing (1.0, as everywhere else in CellWeb).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from annotations.imaging.overlap import dice

__all__ = ["fold_disagreement"]


def fold_disagreement(probabilities: np.ndarray, *, threshold: float = 0.5) -> tuple[float, float]:
    """``(mean pixel variance, mean pairwise Dice)`` of ``k >= 2`` probability maps."""
    prob = np.asarray(probabilities, dtype=np.float64)
    if prob.ndim != 3 or prob.shape[0] < 2:
        raise ValueError(f"need (k >= 2, h, w) probability maps, got shape {prob.shape}")
    variance = float(prob.var(axis=0).mean())
    masks = prob > threshold
    pairs = [dice(masks[i], masks[j]) for i, j in combinations(range(len(masks)), 2)]
    return variance, float(np.mean(pairs))
