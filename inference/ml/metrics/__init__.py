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

One module per idea: ``counts`` (threshold metrics of a binary pair), ``auc`` (exact and
histogram AUC-PR), ``sections`` (all metrics of a section or a stack), ``volume`` (3D agreement)
and ``summary`` (mean ± SD, JSON-safe numbers). The names below are the package's surface.
"""

from .auc import LOG_ODDS_BINS, auc_pr
from .classes import class_section_metrics
from .counts import (
    confusion,
    dice,
    f_beta,
    jaccard,
    paper_scores,
    precision,
    recall,
    scores_from_counts,
)
from .sections import (
    MASK_METRIC_KEYS,
    SECTION_METRIC_KEYS,
    batch_section_metrics,
    pr_curve,
    section_metrics,
)
from .summary import aggregate, finite_or_none
from .volume import volume_metrics

__all__ = [
    "MASK_METRIC_KEYS",
    "SECTION_METRIC_KEYS",
    "class_section_metrics",
    "LOG_ODDS_BINS",
    "aggregate",
    "auc_pr",
    "batch_section_metrics",
    "confusion",
    "dice",
    "f_beta",
    "finite_or_none",
    "jaccard",
    "paper_scores",
    "pr_curve",
    "precision",
    "recall",
    "scores_from_counts",
    "section_metrics",
    "volume_metrics",
]
