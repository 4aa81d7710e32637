"""fold_disagreement: the mean pixel variance and mean pairwise Dice of k probability maps,
checked against NumPy's variance and scikit-learn's F1 (= Dice)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from inference.ml.disagreement import fold_disagreement


def sklearn_dice(a: np.ndarray, b: np.ndarray) -> float:
    if not a.any() and not b.any():
        return 1.0  # two empty masks agree, as everywhere in CellWeb
    return float(f1_score(a.ravel(), b.ravel()))


@pytest.mark.parametrize("k", [2, 3, 5])
def test_variance_and_pairwise_dice_match_numpy_and_sklearn(k):
    rng = np.random.default_rng(k)
    prob = rng.random((k, 24, 20)).astype(np.float32)
    variance, pairwise = fold_disagreement(prob, threshold=0.5)

    expected_variance = np.mean([np.var(prob[:, y, x]) for y in range(24) for x in range(20)])
    masks = prob > 0.5
    expected_dice = np.mean(
        [sklearn_dice(masks[i], masks[j]) for i, j in combinations(range(k), 2)]
    )
    assert variance == pytest.approx(expected_variance, rel=1e-6)
    assert pairwise == pytest.approx(expected_dice, rel=1e-9)


def test_models_that_agree_score_zero_variance_and_dice_one():
    prob = np.repeat(np.linspace(0, 1, 64, dtype=np.float32).reshape(1, 8, 8), 3, axis=0)
    assert fold_disagreement(prob) == (0.0, 1.0)


def test_empty_masks_agree_and_an_empty_against_a_full_one_scores_zero():
    empty, full = np.zeros((8, 8)), np.ones((8, 8))
    assert fold_disagreement(np.stack([empty, empty]))[1] == 1.0
    variance, pairwise = fold_disagreement(np.stack([empty, full]))
    assert pairwise == 0.0 and variance == pytest.approx(0.25)


def test_one_model_cannot_disagree():
    with pytest.raises(ValueError, match="k >= 2"):
        fold_disagreement(np.zeros((1, 8, 8)))
