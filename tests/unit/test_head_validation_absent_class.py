"""Validation of a network with several classes (``engine.evaluate_heads``): a class that the
held-out ground truth and the prediction never hold is not scored and does not lift the mean
over classes with a perfect 1.0; the classes that are held score as scikit-learn says."""

from __future__ import annotations

import math

import numpy as np
import torch
from sklearn.metrics import f1_score, jaccard_score
from torch import nn

from inference.ml import engine
from inference.ml.heads import HeadLayout

CPU = torch.device("cpu")


class Fixed(nn.Module):
    """A "network" that answers the same logits whatever it is shown."""

    def __init__(self, logits: torch.Tensor):
        super().__init__()
        self.logits = logits

    def forward(self, x):
        return self.logits


def _logits(class_map: np.ndarray, n_classes: int) -> torch.Tensor:
    one_hot = np.eye(n_classes, dtype=np.float32)[class_map]  # (B, H, W, C)
    return torch.from_numpy(10 * one_hot).permute(0, 3, 1, 2)


def _stats(truth: np.ndarray, predicted: np.ndarray, n_classes: int):
    layout = HeadLayout(n_classes=n_classes)
    model = Fixed(_logits(predicted, n_classes))
    x = torch.zeros((truth.shape[0], 1, *truth.shape[1:]))
    y = torch.from_numpy(truth.astype(np.float32))[:, None]
    return engine.evaluate_heads(
        model, [(x, y)], lambda out, tgt: out.sum() * 0, layout, device=CPU
    )


def test_a_class_nobody_holds_is_not_scored_and_leaves_the_mean_over_classes_alone():
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 3, size=(2, 16, 16))  # classes 1 and 2 held, class 3 nowhere
    predicted = np.where(rng.random(truth.shape) < 0.2, rng.integers(0, 3, truth.shape), truth)
    stats = _stats(truth, predicted, n_classes=4)

    expected = [f1_score((truth == k).ravel(), (predicted == k).ravel()) for k in (1, 2)]
    assert np.allclose([c["dice"] for c in stats.per_class[:2]], expected)
    assert math.isnan(stats.per_class[2]["dice"]) and math.isnan(stats.per_class[2]["recall"])
    assert math.isclose(stats.dice, np.mean(expected))
    jaccards = [jaccard_score((truth == k).ravel(), (predicted == k).ravel()) for k in (1, 2)]
    assert math.isclose(stats.jaccard, np.mean(jaccards))


def test_a_class_predicted_where_the_truth_has_none_still_scores_zero():
    truth = np.zeros((1, 8, 8), dtype=np.int64)
    truth[0, :4] = 1
    predicted = truth.copy()
    predicted[0, 6, 6] = 2  # class 2: predicted, not in the truth
    stats = _stats(truth, predicted, n_classes=3)
    assert stats.per_class[0]["dice"] == 1.0
    assert stats.per_class[1]["dice"] == 0.0 and stats.per_class[1]["precision"] == 0.0
    assert stats.dice == 0.5


def test_a_set_where_no_class_is_held_keeps_the_binary_rule_of_nothing_to_find():
    empty = np.zeros((1, 8, 8), dtype=np.int64)
    stats = _stats(empty, empty, n_classes=3)
    assert [c["dice"] for c in stats.per_class] == [1.0, 1.0]
    assert stats.dice == 1.0
