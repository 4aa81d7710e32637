"""Evaluation per class and on real instances, checked against independent computations:
scikit-learn for pixel metrics, a brute-force matching written here for objects and mAP,
scikit-image run directly for the watershed split of fluorescence ground truth."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage.morphology import h_maxima
from skimage.segmentation import watershed
from sklearn.metrics import f1_score, jaccard_score, precision_score, recall_score

from annotations.imaging.labels import encode_class_map, encode_instance_map
from inference.ml.class_quantities import LIPID_RII, PROTEIN_RII
from inference.ml.metrics import class_section_metrics
from inference.ml.objects import PooledObjects
from inference.services.evaluation.labels import (
    COMPONENTS,
    STORED,
    WATERSHED,
    SectionLabels,
    component_labels,
    truth_labels,
)
from inference.services.evaluation.quantities import class_rii
from inference.services.evaluation.volume_numbers import class_objects
from tests.unit.test_mask_stacks import touching_disks

THRESHOLDS = np.round(np.arange(0.5, 1.0, 0.05), 2)


# --- pixel metrics per class ------------------------------------------------------------------


def test_class_pixel_metrics_equal_scikit_learn_with_one_label():
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 4, (3, 20, 24)).astype(np.uint8)
    pred = np.where(rng.random(truth.shape) < 0.7, truth, rng.integers(0, 4, truth.shape))
    pred = pred.astype(np.uint8)
    for value in (1, 2, 3):
        rows = class_section_metrics(pred, truth, value)
        for row, p, t in zip(rows, pred, truth):
            y_true, y_pred = t.ravel(), p.ravel()
            expect = {"labels": [value], "average": None, "zero_division": 0}
            assert row["dice"] == pytest.approx(f1_score(y_true, y_pred, **expect)[0])
            assert row["jaccard"] == pytest.approx(jaccard_score(y_true, y_pred, **expect)[0])
            assert row["precision"] == pytest.approx(precision_score(y_true, y_pred, **expect)[0])
            assert row["recall"] == pytest.approx(recall_score(y_true, y_pred, **expect)[0])
            assert row["gt_pixels"] == int((t == value).sum())


def test_a_class_scores_its_own_probability_for_auc_pr():
    truth = np.zeros((1, 10, 10), np.uint8)
    truth[0, :5] = 2
    probability = (truth == 2).astype(np.float32) * 0.9 + 0.05
    pred = np.where(probability > 0.5, 2, 0).astype(np.uint8)
    (row,) = class_section_metrics(pred, truth, 2, probability)
    assert row["auc_pr"] == pytest.approx(1.0)
    assert row["dice"] == 1.0


# --- objects, pooled over sections, against a brute-force matching ---------------------------


def brute_iou(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    gts, preds = sorted(set(gt[gt > 0].tolist())), sorted(set(pred[pred > 0].tolist()))
    iou = np.zeros((len(gts), len(preds)))
    for i, g in enumerate(gts):
        for j, p in enumerate(preds):
            inter = np.logical_and(gt == g, pred == p).sum()
            union = np.logical_or(gt == g, pred == p).sum()
            iou[i, j] = inter / union
    return iou


def brute_best_assignment(iou: np.ndarray) -> list[float]:
    """The IoUs of the one-to-one assignment with the largest total IoU, by trying them all."""
    n_gt, n_pred = iou.shape
    if not n_gt or not n_pred:
        return []
    best, best_total = [], -1.0
    small, large = (n_gt, n_pred) if n_gt <= n_pred else (n_pred, n_gt)
    for chosen in itertools.permutations(range(large), small):
        pairs = [(i, c) if n_gt <= n_pred else (c, i) for i, c in enumerate(chosen)]
        total = sum(iou[r, c] for r, c in pairs)
        if total > best_total:
            best_total, best = total, [iou[r, c] for r, c in pairs]
    return best


def fields() -> list[tuple[np.ndarray, np.ndarray]]:
    """(predicted, true) instance maps: a perfect one, a merge, a miss and a false detection."""
    disks = touching_disks()
    shifted = np.roll(disks, 2, axis=1)
    merged = np.where(np.isin(disks, [1, 2]), 1, disks)
    missing = np.where(disks == 3, 0, disks)
    extra = disks.copy()
    extra[2:8, 2:8] = 9
    empty = np.zeros_like(disks)
    return [
        (disks, disks),
        (shifted, disks),
        (merged, disks),
        (missing, disks),
        (extra, disks),
        (empty, empty),
    ]


def test_pooled_objects_equal_a_brute_force_matching():
    pooled = PooledObjects(0.7)
    tp_at = np.zeros(len(THRESHOLDS))
    n_gt = n_pred = correct = 0
    for pred, gt in fields():
        pooled.add(pred, gt)
        iou = brute_iou(pred, gt)
        matched = np.array(brute_best_assignment(iou))
        tp_at += [np.count_nonzero(matched > t) for t in THRESHOLDS]
        correct += int(np.count_nonzero(matched >= 0.7))
        n_gt, n_pred = n_gt + iou.shape[0], n_pred + iou.shape[1]
    scores = pooled.scores()
    assert (scores["n_gt"], scores["n_pred"], scores["correct"]) == (n_gt, n_pred, correct)
    expected_map = np.mean(tp_at / (n_gt + n_pred - tp_at))
    assert scores["map"] == pytest.approx(expected_map)
    assert scores["merge"] == 1 and scores["fields"] == 6


def test_an_empty_section_adds_nothing_to_the_pooled_map():
    disks = touching_disks()
    alone, with_empty = PooledObjects(), PooledObjects()
    half = np.where(disks > 2, disks, 0)
    alone.add(half, disks)
    with_empty.add(half, disks)
    with_empty.add(np.zeros_like(disks), np.zeros_like(disks))
    assert alone.scores()["map"] == with_empty.scores()["map"] < 1.0


def test_a_nucleus_predicted_in_another_class_is_missed_in_its_own():
    disks = touching_disks()
    class_map = np.where(disks > 0, 1, 0).astype(np.uint8)
    truth = SectionLabels(class_map, disks, dict.fromkeys(range(1, 6), 1), STORED)
    # the prediction calls disk 5 a nucleolus (class 3)
    predicted = SectionLabels(
        np.where(disks == 5, 3, class_map).astype(np.uint8),
        disks,
        {i: (3 if i == 5 else 1) for i in range(1, 6)},
        COMPONENTS,
    )
    nucleus, nucleolus = (
        class_objects([predicted], [truth], 1),
        class_objects([predicted], [truth], 3),
    )
    assert (nucleus["n_gt"], nucleus["n_pred"], nucleus["correct"]) == (5, 4, 4)
    assert (nucleolus["n_gt"], nucleolus["n_pred"], nucleolus["correct"]) == (0, 1, 0)
    assert nucleus["gt_instances"] == STORED and nucleus["pred_instances"] == COMPONENTS


# --- where the instances come from ------------------------------------------------------------


def test_stored_instance_ids_are_used_as_they_are():
    disks = touching_disks()
    data = encode_instance_map(disks, dict.fromkeys(range(1, 6), 1), [1])
    labels = truth_labels(data, "imported", [1], [1], disks.shape)
    assert labels.numbered_by == STORED
    assert np.array_equal(labels.instances, disks)


def test_a_mask_without_ids_is_numbered_by_components_not_split():
    disks = touching_disks()
    data = encode_class_map((disks > 0).astype(np.uint8), [1])
    labels = truth_labels(data, "consensus", [1], [1], disks.shape)
    assert labels.numbered_by == COMPONENTS
    assert len(labels.classes) == 1  # the touching disks are one component


def test_fluorescence_ground_truth_is_split_by_a_seeded_watershed():
    disks = touching_disks()
    foreground = disks > 0
    data = encode_class_map(foreground.astype(np.uint8), [1])
    labels = truth_labels(data, "fluorescence", [1], [1], disks.shape)
    assert labels.numbered_by == WATERSHED
    # scikit-image run directly: distance transform, h-maxima seeds (h = 2 px), watershed
    distance = ndi.distance_transform_edt(foreground)
    seeds, _ = ndi.label(h_maxima(distance, 2.0), np.ones((3, 3)))
    expected = watershed(-distance, seeds, mask=foreground)
    assert len(labels.classes) == expected.max() == 5
    iou = brute_iou(labels.instances, expected)
    assert np.allclose(np.sort(iou.max(axis=1)), 1.0)
    assert np.array_equal(labels.class_map, foreground.astype(np.uint8))


def test_predicted_instances_without_a_head_are_components():
    class_map = np.zeros((10, 10), np.uint8)
    class_map[1:3, 1:3] = 1
    class_map[6:8, 6:8] = 1
    class_map[4:6, 0:10] = 2  # a region class gets no instances
    labels = component_labels(class_map, [1])
    assert labels.numbered_by == COMPONENTS and set(labels.classes.values()) == {1}
    assert len(labels.classes) == 2


def test_lipid_droplets_take_the_lipid_increment():
    assert class_rii("lipid droplet") == LIPID_RII
    assert class_rii("nucleolus") == PROTEIN_RII


def test_cell_quantities_per_class_match_numpy():
    from types import SimpleNamespace

    from inference.services.evaluation.quantities import cell_quantities

    class_map = np.zeros((3, 20, 40), np.uint8)
    class_map[:, 2:12, 2:12] = 2  # cell 1: cytoplasm with a nucleus
    class_map[:, 5:8, 5:8] = 1
    class_map[:, 2:12, 25:35] = 2  # cell 2: cytoplasm only
    class_map[0, 18, 0] = 1  # one voxel: too small to be a cell
    ri = (1.34 + 0.02 * (class_map == 1)).astype(np.float32)
    volume = SimpleNamespace(voxel_size=(0.4, 0.2, 0.2))
    classes = [{"value": 1, "name": "nucleus"}, {"value": 2, "name": "lipid droplet"}]
    rows = cell_quantities(class_map, ri, volume, classes)
    assert [len(rows[1]), len(rows[2])] == [2, 2]  # every class has a row in every cell
    nucleus = max(rows[1], key=lambda r: r["voxel_count"])
    assert nucleus["voxel_count"] == 27 and nucleus["count"] == 1
    assert nucleus["volume_um3"] == pytest.approx(27 * 0.4 * 0.2 * 0.2)
    assert nucleus["mean_ri"] == pytest.approx(1.36)
    droplets = max(rows[2], key=lambda r: r["voxel_count"])
    assert droplets["concentration_pg_per_um3"] == pytest.approx(
        (1.34 - 1.3337) / LIPID_RII, rel=1e-4
    )
    assert cell_quantities(class_map, None, volume, classes) == {}
