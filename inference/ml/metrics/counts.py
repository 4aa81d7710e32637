"""Threshold metrics of a binary prediction against a binary ground truth (paper 000, eqs. 1-5).

Confusion counts, Dice and Jaccard come from ``annotations.imaging.overlap``, shared with the
consensus code so both agree on the edge cases (see the package docstring).
"""

from __future__ import annotations

import numpy as np

from annotations.imaging.overlap import (
    confusion,
    dice,
    jaccard,
    pair_score,
    scores_from_counts,
)

__all__ = [
    "confusion",
    "paper_scores",
    "dice",
    "f_beta",
    "jaccard",
    "precision",
    "recall",
    "scores_from_counts",
]


def f_beta(pred: np.ndarray, gt: np.ndarray, beta: float = 0.5) -> float:
    """F-beta = (1+β²)TP / ((1+β²)TP + β²FN + FP); β = 0.5 gives the paper's
    F0.5 = 1.25TP / (1.25TP + FP + 0.25FN). Both empty ⇒ 1.0, one empty ⇒ 0.0."""
    if beta <= 0:
        raise ValueError(f"beta must be > 0, got {beta}")
    return pair_score(pred, gt, "f_beta", beta=beta)


def precision(pred: np.ndarray, gt: np.ndarray) -> float:
    """TP / (TP + FP); both empty ⇒ 1.0; empty prediction with a nucleus in GT ⇒ 0.0."""
    return pair_score(pred, gt, "precision")


def recall(pred: np.ndarray, gt: np.ndarray) -> float:
    """TP / (TP + FN); both empty ⇒ 1.0; prediction on a section without nucleus ⇒ 0.0."""
    return pair_score(pred, gt, "recall")


def paper_scores(tp: int, fp: int, fn: int) -> dict[str, float]:
    """The paper's five threshold metrics from counts, under the names reports use: ``dice``,
    ``jaccard``, ``f05``, ``precision`` and ``recall`` (pool counts first for pooled scores)."""
    scores = scores_from_counts(tp, fp, fn, beta=0.5)
    return {
        "dice": scores["dice"],
        "jaccard": scores["jaccard"],
        "f05": scores["f_beta"],
        "precision": scores["precision"],
        "recall": scores["recall"],
    }
