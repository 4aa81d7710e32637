"""Object precision, recall and F1 pooled over fields, checked against a computation written
here: the IoU of every pair with numpy, pairs chosen by scipy's linear_sum_assignment on the
StarDist cost (most pairs above the threshold first), counts summed over fields, then divided."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from inference.ml.objects import PooledObjects, detection_scores
from tests.unit.test_mask_stacks import touching_disks

KEYS = tuple(f"{m}_{t}" for t in ("iou50", "iou70") for m in ("precision", "recall", "f1"))


def pairs_above(pred: np.ndarray, truth: np.ndarray, threshold: float, strict: bool) -> int:
    """One-to-one pairs with IoU above ``threshold`` (``strict``: >, else >=)."""
    t_ids, p_ids = np.unique(truth[truth > 0]), np.unique(pred[pred > 0])
    if not len(t_ids) or not len(p_ids):
        return 0
    iou = np.array(
        [
            [np.sum((truth == t) & (pred == p)) / np.sum((truth == t) | (pred == p)) for p in p_ids]
            for t in t_ids
        ]
    )
    above = iou > threshold if strict else iou >= threshold
    cost = -above.astype(float) - iou / (2 * min(iou.shape))
    rows, cols = linear_sum_assignment(cost)
    return int(np.count_nonzero(above[rows, cols]))


def reference(fields: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, float | None]:
    n_gt = sum(len(np.unique(t[t > 0])) for _, t in fields)
    n_pred = sum(len(np.unique(p[p > 0])) for p, _ in fields)
    numbers: dict[str, float | None] = {}
    for name, threshold, strict in (("iou50", 0.5, True), ("iou70", 0.7, False)):
        tp = sum(pairs_above(p, t, threshold, strict) for p, t in fields)
        numbers[f"precision_{name}"] = tp / n_pred if n_pred else None
        numbers[f"recall_{name}"] = tp / n_gt if n_gt else None
        numbers[f"f1_{name}"] = 2 * tp / (n_gt + n_pred) if n_gt + n_pred else None
    return numbers


def pooled(fields) -> dict:
    objects = PooledObjects(0.7)
    for pred, truth in fields:
        objects.add(pred, truth)
    return objects.scores()


def crowded_prediction() -> np.ndarray:
    """Five touching nuclei predicted badly: two shifted (IoU between 0.5 and 0.7), two merged
    into one (IoU exactly 0.5 with each: no pair, as "above" is strict), one kept, and a nucleus
    that is not there."""
    truth = touching_disks().astype(np.int32)
    pred = np.zeros_like(truth)
    pred[(truth == 3) | (truth == 4)] = 3
    pred[truth == 5] = 5
    pred[np.roll(truth, -4, axis=1) == 1] = 1  # away from its neighbour
    pred[np.roll(truth, -3, axis=0) == 2] = 2
    pred[50:60, 80:90] = 6
    return pred


@pytest.fixture
def crowded() -> tuple[np.ndarray, np.ndarray]:
    return crowded_prediction(), touching_disks().astype(np.int32)


def close(a: dict, b: dict) -> bool:
    return all(
        (a[k] is None and b[k] is None) or a[k] == pytest.approx(b[k], abs=1e-12) for k in KEYS
    )


def test_crowded_touching_nuclei_match_the_reference(crowded):
    scores = pooled([crowded])
    expected = reference([crowded])
    assert close(scores, expected)
    # The shifted nuclei pair at IoU > 0.5 and not at IoU >= 0.7: both thresholds are needed.
    assert (scores["n_gt"], scores["n_pred"]) == (5, 5)
    assert scores["tp_iou50"] == 3 and scores["correct"] == 1
    assert scores["f1_iou50"] == pytest.approx(2 * 3 / (5 + 5))
    assert scores["f1_iou70"] == pytest.approx(2 * 1 / (5 + 5))


def test_counts_are_summed_over_fields_before_dividing(crowded):
    truth = crowded[1]
    perfect = (truth, truth)
    missed = (np.zeros_like(truth), truth)  # every nucleus missed
    fields = [crowded, perfect, missed]
    scores = pooled(fields)
    assert close(scores, reference(fields))
    assert scores["recall_iou50"] == pytest.approx((3 + 5 + 0) / 15)
    # Not the mean of the fields' F1s (0.6, 1.0, 0.0).
    assert scores["f1_iou50"] == pytest.approx(2 * 8 / (15 + 10))


def test_a_field_empty_on_both_sides_adds_nothing(crowded):
    empty = np.zeros_like(crowded[1])
    without, with_empty = pooled([crowded]), pooled([crowded, (empty, empty)])
    assert {k: with_empty[k] for k in KEYS} == {k: without[k] for k in KEYS}
    assert with_empty["fields"] == without["fields"] + 1
    assert all(pooled([(empty, empty)])[k] is None for k in KEYS)


def test_an_all_missed_field_has_recall_zero_and_no_precision(crowded):
    truth = crowded[1]
    scores = pooled([(np.zeros_like(truth), truth)])
    assert close(scores, reference([(np.zeros_like(truth), truth)]))
    assert scores["recall_iou50"] == scores["f1_iou50"] == scores["f1_iou70"] == 0.0
    assert scores["precision_iou50"] is None and scores["precision_iou70"] is None
    only_false = pooled([(truth, np.zeros_like(truth))])
    assert only_false["precision_iou50"] == 0.0 and only_false["recall_iou50"] is None


def test_more_pairs_than_nuclei_is_refused():
    with pytest.raises(ValueError, match="cannot come from"):
        detection_scores(3, 2, 5, 0.5)
