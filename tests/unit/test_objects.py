"""Object-level evaluation: instances, Hungarian matching, NuSeT errors and mAP."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from inference.ml.objects import (
    iou_matrix,
    label_instances,
    match_instances,
    mean_average_precision,
)


def _two_touching_disks(size: int = 80) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size]
    left = (yy - 40) ** 2 + (xx - 26) ** 2 <= 15**2
    right = (yy - 40) ** 2 + (xx - 52) ** 2 <= 15**2
    return left | right


# --- instances --------------------------------------------------------------------------------


def test_label_instances_separates_components_2d_and_3d() -> None:
    mask = np.zeros((10, 10), dtype=bool)
    mask[1:4, 1:4] = True
    mask[6:9, 6:9] = True
    labels = label_instances(mask)
    assert labels.dtype == np.int32
    assert sorted(np.unique(labels)) == [0, 1, 2]
    volume = np.stack([mask, mask, np.zeros_like(mask)])
    assert label_instances(volume).max() == 2


def test_split_touching_separates_two_touching_nuclei() -> None:
    mask = _two_touching_disks()
    assert label_instances(mask).max() == 1
    split = label_instances(mask, split_touching=True)
    assert split.max() == 2
    assert split[40, 20] != split[40, 58]
    np.testing.assert_array_equal(split > 0, mask)  # no pixel lost or added


def test_split_touching_keeps_objects_too_thin_for_a_seed() -> None:
    mask = _two_touching_disks()
    mask[5, 5:8] = True  # a 3-pixel sliver: distance 1 < h
    split = label_instances(mask, split_touching=True, h=2.0)
    assert split.max() == 3
    np.testing.assert_array_equal(split > 0, mask)


# --- matching ---------------------------------------------------------------------------------


def _crossed_rows() -> tuple[np.ndarray, np.ndarray]:
    """GT 1 and 2 side by side on one row of 20; pred 9 covers GT 1's start, pred 7 straddles."""
    gt = np.zeros((1, 20), dtype=np.int32)
    gt[0, 0:10] = 1
    gt[0, 10:20] = 2
    pred = np.zeros_like(gt)
    pred[0, 4:14] = 7
    pred[0, 0:4] = 9
    return pred, gt


def test_iou_matrix_on_hand_made_objects() -> None:
    pred, gt = _crossed_rows()
    iou = iou_matrix(pred, gt)
    # rows GT 1, 2; columns pred 7, 9
    np.testing.assert_allclose(iou, [[6 / 14, 4 / 10], [4 / 16, 0.0]])


def test_hungarian_beats_greedy_on_a_constructed_case() -> None:
    # Greedy takes the best pair (GT1-pred7, IoU 0.43) and is left with GT2-pred9 (IoU 0).
    # The optimal assignment GT1-pred9 (0.40) + GT2-pred7 (0.25) matches both.
    pred, gt = _crossed_rows()
    result = match_instances(pred, gt, iou_threshold=0.2)
    assert sorted((g, p) for g, p, _ in result.matches) == [(1, 9), (2, 7)]
    assert result.correct_detections == 2


@pytest.mark.parametrize("seed", range(4))
def test_matches_equal_scipy_assignment_on_random_labels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    gt = label_instances(rng.random((40, 40)) < 0.45)
    pred = label_instances(rng.random((40, 40)) < 0.45)
    result = match_instances(pred, gt, iou_threshold=0.1)

    gt_ids = [g for g in np.unique(gt) if g]
    pred_ids = [p for p in np.unique(pred) if p]
    brute = np.zeros((len(gt_ids), len(pred_ids)))
    for i, g in enumerate(gt_ids):
        for j, p in enumerate(pred_ids):
            union = np.count_nonzero((gt == g) | (pred == p))
            brute[i, j] = np.count_nonzero((gt == g) & (pred == p)) / union
    np.testing.assert_allclose(result.iou, brute)
    rows, cols = linear_sum_assignment(-brute)
    expected = sorted((gt_ids[r], pred_ids[c]) for r, c in zip(rows, cols) if brute[r, c] >= 0.1)
    assert sorted((g, p) for g, p, _ in result.matches) == expected


def test_identical_labels_are_all_correct() -> None:
    labels = label_instances(_two_touching_disks(), split_touching=True)
    result = match_instances(labels, labels)
    assert result.n_gt == result.n_pred == 2
    assert result.correct_detections == 2 and result.incorrect_detections == 0
    assert result.false_negative_rate == 0.0 and result.false_positive_rate == 0.0
    assert (result.split_count, result.merge_count, result.catastrophe_count) == (0, 0, 0)


def test_split_is_counted_per_ground_truth_nucleus() -> None:
    gt = np.zeros((20, 20), dtype=np.int32)
    gt[2:12, 2:12] = 1
    pred = np.zeros_like(gt)
    pred[2:12, 2:7] = 1
    pred[2:12, 7:12] = 2
    result = match_instances(pred, gt)
    assert result.split_count == 1 and result.split_gt_ids == [1]
    assert result.merge_count == 0 and result.catastrophe_count == 0
    assert result.correct_detections == 0 and result.incorrect_detections == 2
    # Each half covers 50 % of the GT area < 0.7: the nucleus is missed and both halves are
    # mis-detections; paper 003 divides both by the number of GT nuclei (here 1).
    assert result.false_negatives == 1 and result.false_negative_rate == 1.0
    assert result.false_positives == 2 and result.false_positive_rate == 2.0


def test_merge_is_counted_per_predicted_object() -> None:
    gt = np.zeros((20, 20), dtype=np.int32)
    gt[2:12, 2:7] = 1
    gt[2:12, 8:13] = 2
    pred = np.zeros_like(gt)
    pred[2:12, 2:13] = 5
    result = match_instances(pred, gt)
    assert result.merge_count == 1 and result.merge_pred_ids == [5]
    assert result.split_count == 0 and result.catastrophe_count == 0
    # The merged object covers each GT nucleus completely: neither is missed.
    assert result.false_negatives == 0


def test_catastrophe_is_uneven_many_to_many_matching() -> None:
    gt = np.zeros((20, 20), dtype=np.int32)
    gt[2:7, 2:12] = 1  # top half
    gt[7:12, 2:12] = 2  # bottom half
    pred = np.zeros_like(gt)
    pred[2:12, 2:7] = 1  # left half
    pred[2:12, 7:12] = 2  # right half
    result = match_instances(pred, gt)
    assert result.catastrophe_count == 1
    assert (result.split_count, result.merge_count) == (0, 0)


def test_rates_without_ground_truth_are_nan_but_counts_are_kept() -> None:
    pred = np.zeros((8, 8), dtype=np.int32)
    pred[1:4, 1:4] = 1
    result = match_instances(pred, np.zeros_like(pred))
    assert result.n_gt == 0 and result.false_positives == 1
    assert math.isnan(result.false_positive_rate) and math.isnan(result.false_negative_rate)


def test_shape_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="differ in shape"):
        match_instances(np.zeros((4, 4), np.int32), np.zeros((4, 5), np.int32))


# --- mAP --------------------------------------------------------------------------------------


def test_map_is_one_for_identical_labels_2d_and_3d() -> None:
    labels = label_instances(_two_touching_disks(), split_touching=True)
    assert mean_average_precision(labels, labels) == 1.0
    volume = np.stack([labels, labels])
    assert mean_average_precision(volume, volume) == 1.0


def test_map_on_a_constructed_case() -> None:
    gt = np.zeros((20, 30), dtype=np.int32)
    gt[2:10, 2:10] = 1
    gt[2:10, 15:23] = 2
    pred = np.zeros_like(gt)
    pred[2:10, 2:10] = 1  # identical: IoU 1
    pred[2:7, 15:23] = 2  # 5 of GT 2's 8 rows: IoU 40/64 = 0.625
    # t = 0.50, 0.55, 0.60: TP 2 -> 1.0; t = 0.65 .. 0.95 (7 values): TP 1, FP 1, FN 1 -> 1/3.
    expected = (3 * 1.0 + 7 * (1 / 3)) / 10
    assert mean_average_precision(pred, gt) == pytest.approx(expected)


def test_map_iou_must_be_strictly_above_the_threshold() -> None:
    gt = np.zeros((4, 8), dtype=np.int32)
    gt[0:4, 0:4] = 1
    pred = np.zeros_like(gt)
    pred[0:2, 0:4] = 1  # IoU exactly 0.5
    assert mean_average_precision(pred, gt, thresholds=[0.5]) == 0.0
    assert mean_average_precision(pred, gt, thresholds=[0.45]) == 1.0


def test_map_edge_cases() -> None:
    empty = np.zeros((8, 8), dtype=np.int32)
    some = empty.copy()
    some[2:5, 2:5] = 1
    assert mean_average_precision(empty, empty) == 1.0
    assert mean_average_precision(empty, some) == 0.0
    assert mean_average_precision(some, empty) == 0.0
