"""Section and volume metrics: formulas, edge cases, scikit-learn agreement, batch == single."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import ndimage as ndi
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    fbeta_score,
    precision_score,
    recall_score,
)

from inference.ml.metrics import (
    LOG_ODDS_BINS,
    aggregate,
    auc_pr,
    batch_section_metrics,
    confusion,
    dice,
    f_beta,
    finite_or_none,
    jaccard,
    pr_curve,
    precision,
    recall,
    section_metrics,
    volume_metrics,
)
from inference.ml.pr import curve_average_precision
from tests.helpers_masks import bool_grid
from tests.helpers_training import POOLED_METRICS

# 4x4 hand-made case: TP = 3, FP = 1, FN = 2.
GT = bool_grid("1110", "1100", "0000", "0000")
PRED = bool_grid("1100", "1000", "0001", "0000")
EMPTY = np.zeros((4, 4), dtype=bool)


def _realistic_section(
    rng: np.random.Generator, size: int = 448, saturate: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """A network-like probability map for an irregular nucleus, with a false bright blob."""
    yy, xx = np.mgrid[:size, :size]
    cy, cx = rng.uniform(0.3 * size, 0.7 * size, 2)
    radius = rng.uniform(0.1, 0.25) * size
    angle = np.arctan2(yy - cy, xx - cx)
    signed = radius * (1 + 0.1 * np.sin(3 * angle + rng.uniform(0, 6))) - np.hypot(yy - cy, xx - cx)
    gt = signed > 0
    smooth_noise = ndi.gaussian_filter(rng.normal(0, 1, (size, size)), 3) * rng.uniform(2, 8)
    logit = signed / rng.uniform(1.5, 6) + smooth_noise + rng.normal(0, 0.3, (size, size))
    by, bx = rng.uniform(0, size, 2)
    logit += 8 * np.exp(-((yy - by) ** 2 + (xx - bx) ** 2) / (2 * 15**2))
    probability = 1 / (1 + np.exp(-np.clip(logit * saturate, -80, 80)))
    return probability.astype(np.float32), gt


# --- formulas on hand-made masks --------------------------------------------------------------


def test_counts_and_scores_on_hand_made_masks() -> None:
    assert confusion(PRED, GT) == (3, 1, 2, 10)
    assert dice(PRED, GT) == pytest.approx(6 / 9)
    assert jaccard(PRED, GT) == pytest.approx(3 / 6)
    assert f_beta(PRED, GT) == pytest.approx(1.25 * 3 / (1.25 * 3 + 1 + 0.25 * 2))
    assert precision(PRED, GT) == pytest.approx(3 / 4)
    assert recall(PRED, GT) == pytest.approx(3 / 5)
    # beta = 1 is Dice.
    assert f_beta(PRED, GT, beta=1.0) == pytest.approx(dice(PRED, GT))


def test_both_empty_scores_one() -> None:
    for metric in (dice, jaccard, f_beta, precision, recall):
        assert metric(EMPTY, EMPTY) == 1.0, metric.__name__


def test_empty_prediction_with_nucleus_scores_zero_including_precision() -> None:
    for metric in (dice, jaccard, f_beta, precision, recall):
        assert metric(EMPTY, GT) == 0.0, metric.__name__


def test_prediction_without_nucleus_scores_zero_including_recall() -> None:
    for metric in (dice, jaccard, f_beta, precision, recall):
        assert metric(PRED, EMPTY) == 0.0, metric.__name__


def test_shape_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="shapes differ"):
        dice(PRED, np.zeros((4, 5), dtype=bool))


# --- agreement with scikit-learn --------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_counts_precision_recall_fbeta_match_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    gt = rng.random((32, 32)) < rng.uniform(0.1, 0.6)
    pred = rng.random((32, 32)) < rng.uniform(0.1, 0.6)
    tn, fp, fn, tp = confusion_matrix(gt.ravel(), pred.ravel(), labels=[False, True]).ravel()
    assert confusion(pred, gt) == (tp, fp, fn, tn)
    assert precision(pred, gt) == pytest.approx(precision_score(gt.ravel(), pred.ravel()))
    assert recall(pred, gt) == pytest.approx(recall_score(gt.ravel(), pred.ravel()))
    assert f_beta(pred, gt) == pytest.approx(fbeta_score(gt.ravel(), pred.ravel(), beta=0.5))


@pytest.mark.parametrize("seed", range(5))
def test_auc_pr_equals_sklearn_average_precision(seed: int) -> None:
    rng = np.random.default_rng(seed)
    gt = rng.random(2000) < 0.3
    scores = np.clip(gt * rng.uniform(0, 0.6) + rng.random(2000) * 0.7, 0, 1)
    assert auc_pr(scores, gt) == pytest.approx(average_precision_score(gt, scores), abs=1e-12)
    # Ties: quantised scores put many pixels on the same threshold.
    tied = np.round(scores, 1)
    assert auc_pr(tied, gt) == pytest.approx(average_precision_score(gt, tied), abs=1e-12)


def test_auc_pr_is_nan_without_positive_pixels() -> None:
    assert math.isnan(auc_pr(np.linspace(0, 1, 16).reshape(4, 4), EMPTY))


# --- section and batch metrics ----------------------------------------------------------------


def test_section_metrics_keys_and_values() -> None:
    prob = np.where(PRED, 0.9, 0.1)
    result = section_metrics(prob, GT)
    counts = {"tp", "fp", "fn", "pred_pixels", "gt_pixels"}
    assert set(result) == POOLED_METRICS | counts
    assert (result["tp"], result["fp"], result["fn"]) == (3, 1, 2)
    assert (result["pred_pixels"], result["gt_pixels"]) == (4, 5)
    assert result["dice"] == pytest.approx(6 / 9)
    assert result["f05"] == pytest.approx(f_beta(PRED, GT))
    assert result["auc_pr"] == pytest.approx(average_precision_score(GT.ravel(), prob.ravel()))


def test_threshold_is_strict() -> None:
    prob = np.full((4, 4), 0.5)
    assert section_metrics(prob, GT)["pred_pixels"] == 0
    assert batch_section_metrics(prob[None], GT[None])[0]["pred_pixels"] == 0


def test_log_odds_bin_count() -> None:
    assert LOG_ODDS_BINS == 79874


@pytest.mark.parametrize("saturate", [1.0, 8.0])
def test_batch_equals_per_section_and_sklearn(saturate: float) -> None:
    rng = np.random.default_rng(int(saturate))
    sections = [_realistic_section(rng, size=160, saturate=saturate) for _ in range(6)]
    probs = np.stack([p for p, _ in sections])
    gts = np.stack([g for _, g in sections])
    gts[2] = False  # a section without nucleus
    batch = batch_section_metrics(probs, gts, chunk=4)  # two chunks, the second one partial
    assert len(batch) == 6
    for index, (prob, gt) in enumerate(zip(probs, gts)):
        single = section_metrics(prob, gt)
        for key in ("tp", "fp", "fn", "pred_pixels", "gt_pixels"):
            assert batch[index][key] == single[key], key
        for key in ("dice", "jaccard", "f05", "precision", "recall"):
            assert batch[index][key] == pytest.approx(single[key], abs=1e-12), key
        if gt.any():
            reference = average_precision_score(gt.ravel(), prob.ravel())
            assert single["auc_pr"] == pytest.approx(reference, abs=1e-6)
            assert batch[index]["auc_pr"] == pytest.approx(reference, abs=1e-3)
        else:
            assert math.isnan(batch[index]["auc_pr"]) and math.isnan(single["auc_pr"])
    assert batch[2]["dice"] == 0.0 and batch[2]["recall"] == 0.0


def test_batch_auc_pr_close_to_sklearn_on_saturated_maps() -> None:
    """Most nucleus pixels above 0.999: the case a uniform 1,024-bin grid gets wrong."""
    rng = np.random.default_rng(11)
    worst = 0.0
    for _ in range(5):
        prob, gt = _realistic_section(rng, size=256, saturate=8.0)
        assert np.mean(prob[gt] > 0.999) > 0.5
        error = abs(
            batch_section_metrics(prob[None], gt[None])[0]["auc_pr"]
            - average_precision_score(gt.ravel(), prob.ravel())
        )
        worst = max(worst, error)
    assert worst < 1e-4


def test_batch_with_another_threshold_matches_section_metrics() -> None:
    rng = np.random.default_rng(5)
    prob, gt = _realistic_section(rng, size=128)
    batch = batch_section_metrics(prob[None], gt[None], threshold=0.3)[0]
    single = section_metrics(prob, gt, threshold=0.3)
    assert (batch["tp"], batch["fp"], batch["fn"]) == (single["tp"], single["fp"], single["fn"])


# --- PR curve ---------------------------------------------------------------------------------


def test_pr_curve_matches_brute_force_counts() -> None:
    rng = np.random.default_rng(2)
    probs = np.stack([_realistic_section(rng, size=64)[0] for _ in range(3)])
    gts = probs + rng.normal(0, 0.2, probs.shape) > 0.5
    precision_curve, recall_curve, thresholds = pr_curve(probs, gts, n_points=11)
    np.testing.assert_allclose(thresholds, np.linspace(0, 1, 11))
    for k, t in enumerate(thresholds):
        pred = probs > t
        tp = np.count_nonzero(pred & gts)
        expected_precision = tp / np.count_nonzero(pred) if pred.any() else 1.0
        assert precision_curve[k] == pytest.approx(expected_precision)
        assert recall_curve[k] == pytest.approx(tp / np.count_nonzero(gts))
    assert precision_curve[-1] == 1.0 and recall_curve[-1] == 0.0


def test_the_area_under_a_pooled_curve_is_scikit_learns_average_precision() -> None:
    """The PR figure's legend: the area under the curve drawn (its thresholds, and the
    prevalence at recall 1) is ``average_precision_score`` of the probabilities binned to those
    thresholds (positive at t when p > t), and of a 0/1 mask."""
    rng = np.random.default_rng(4)
    probs = np.stack([_realistic_section(rng, size=64)[0] for _ in range(3)])
    gts = probs + rng.normal(0, 0.2, probs.shape) > 0.5
    for scores in (probs, (probs > 0.5).astype(np.float32)):
        precision_curve, recall_curve, thresholds = pr_curve(scores, gts, n_points=21)
        prevalence = gts.mean()
        area = curve_average_precision([*recall_curve, 1.0], [*precision_curve, prevalence])
        binned = np.searchsorted(thresholds, scores.ravel(), side="left")
        assert area == pytest.approx(average_precision_score(gts.ravel(), binned), abs=1e-12)
    assert math.isnan(curve_average_precision([None], [None]))


# --- 3D ---------------------------------------------------------------------------------------


def test_volume_metrics_on_hand_made_volumes() -> None:
    gt = np.zeros((4, 4, 4), dtype=bool)
    gt[1:3, 1:3, 1:3] = True  # 8 voxels
    pred = np.zeros_like(gt)
    pred[1:3, 1:3, 1] = True  # 4 voxels inside GT
    pred[0, 0, :2] = True  # 2 voxels outside
    result = volume_metrics(pred, gt, (0.2, 0.1, 0.1))  # 0.002 µm³ per voxel
    assert result["gt_volume_um3"] == pytest.approx(8 * 0.002)
    assert result["pred_volume_um3"] == pytest.approx(6 * 0.002)
    assert result["volume_difference_um3"] == pytest.approx(-2 * 0.002)
    assert result["volume_difference_pct"] == pytest.approx(-25.0)
    assert result["volume_intersection_ratio"] == pytest.approx(4 / 8)  # |P∩G| / |G|
    assert result["dice_3d"] == pytest.approx(8 / 14)
    assert result["jaccard_3d"] == pytest.approx(4 / 10)


def test_volume_metrics_edge_cases() -> None:
    empty = np.zeros((2, 3, 3), dtype=bool)
    both = volume_metrics(empty, empty, (1, 1, 1))
    assert both["volume_intersection_ratio"] == 1.0 and both["dice_3d"] == 1.0
    assert both["volume_difference_pct"] == 0.0
    some = empty.copy()
    some[0, 0, 0] = True
    gt_empty = volume_metrics(some, empty, (1, 1, 1))
    assert gt_empty["volume_intersection_ratio"] == 0.0
    assert math.isnan(gt_empty["volume_difference_pct"])
    with pytest.raises(ValueError, match="voxel_size_zyx"):
        volume_metrics(some, empty, (1, 1))


# --- aggregation ------------------------------------------------------------------------------


def test_aggregate_skips_nan_and_uses_sample_std() -> None:
    mean, std = aggregate([0.8, float("nan"), 0.9, 1.0])
    assert mean == pytest.approx(0.9)
    assert std == pytest.approx(np.std([0.8, 0.9, 1.0], ddof=1))
    # One value has no sample SD: numpy's is NaN (with a warning), and so is ours, never 0.0.
    with np.errstate(invalid="ignore", divide="ignore"), pytest.warns(RuntimeWarning):
        numpy_sd = np.std([0.5], ddof=1)
    one_mean, one_std = aggregate([0.5])
    assert one_mean == 0.5 and math.isnan(one_std) and math.isnan(numpy_sd)
    assert finite_or_none(one_std) is None  # JSON null
    nan_mean, nan_std = aggregate([float("nan")])
    assert math.isnan(nan_mean) and math.isnan(nan_std)
    assert aggregate([1.0, 3.0], ddof=0) == (2.0, 1.0)
