"""The correction metrics of a submission against its proposal, checked against scikit-learn's
F1 (Dice) and NumPy's XOR on hand-made and random masks."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from annotations.imaging.correction import correction_metrics


def _independent(proposal: np.ndarray, submitted: np.ndarray) -> tuple[float, int]:
    dice = f1_score(proposal.ravel(), submitted.ravel(), zero_division=1.0)
    return float(dice), int(np.logical_xor(proposal, submitted).sum())


def test_a_nucleus_grown_by_a_brush_stroke():
    proposal = np.zeros((40, 50), dtype=bool)
    proposal[10:20, 10:30] = True  # 200 pixels
    submitted = proposal.copy()
    submitted[20:25, 10:30] = True  # 100 pixels added
    submitted[10:12, 10:15] = False  # 10 removed
    metrics = correction_metrics(proposal, submitted)
    assert metrics["changed_pixels"] == 110
    # 2 * 190 / (200 + 290), by hand
    assert metrics["dice"] == pytest.approx(380 / 490)
    assert (metrics["dice"], metrics["changed_pixels"]) == pytest.approx(
        _independent(proposal, submitted)
    )


@pytest.mark.parametrize("seed", range(5))
def test_random_masks_agree_with_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    proposal = rng.random((24, 36)) > 0.6
    submitted = proposal ^ (rng.random((24, 36)) > 0.9)
    metrics = correction_metrics(proposal, submitted)
    assert (metrics["dice"], metrics["changed_pixels"]) == pytest.approx(
        _independent(proposal, submitted)
    )


def test_accepted_unchanged_and_the_empty_cases():
    nucleus = np.zeros((8, 8), dtype=bool)
    nucleus[2:5, 2:5] = True
    empty = np.zeros((8, 8), dtype=bool)
    assert correction_metrics(nucleus, nucleus) == {"dice": 1.0, "changed_pixels": 0}
    # An empty proposal kept empty ("no nucleus" confirmed) is accepted unchanged.
    assert correction_metrics(empty, empty) == {"dice": 1.0, "changed_pixels": 0}
    assert correction_metrics(nucleus, empty) == {"dice": 0.0, "changed_pixels": 9}
    assert correction_metrics(empty, nucleus)["dice"] == _independent(empty, nucleus)[0]
