"""A class with no object in the ground truth and none predicted has no mAP (None, as its object
F1), in an evaluation's volume rows and in a training fold's per-class numbers, so it neither
shows a perfect 1.0 nor lifts the fold's mean over instance classes."""

from __future__ import annotations

import numpy as np
import pytest

from inference.services.evaluation.labels import COMPONENTS, STORED, SectionLabels
from inference.services.evaluation.volume_numbers import class_objects
from inference.services.training.fold_objects import pooled_fold_objects
from tests.unit.test_mask_stacks import touching_disks

THRESHOLDS = np.round(np.arange(0.5, 1.0, 0.05), 2)


def _sections() -> tuple[SectionLabels, SectionLabels]:
    """Five nuclei (class 1) in the truth; the prediction misses the fifth. No class 3 anywhere."""
    disks = touching_disks()
    class_map = np.where(disks > 0, 1, 0).astype(np.uint8)
    truth = SectionLabels(class_map, disks, dict.fromkeys(range(1, 6), 1), STORED)
    kept = np.where(disks == 5, 0, disks)
    predicted = SectionLabels(
        np.where(kept > 0, 1, 0).astype(np.uint8), kept, dict.fromkeys(range(1, 5), 1), COMPONENTS
    )
    return predicted, truth


def test_a_class_nobody_has_gets_no_map_in_an_evaluation():
    predicted, truth = _sections()

    absent = class_objects([predicted], [truth], 3)

    assert (absent["n_gt"], absent["n_pred"]) == (0, 0)
    assert absent["map"] is None and absent["f1_iou50"] is None


def test_a_predicted_class_absent_from_the_truth_still_scores_zero():
    predicted, truth = _sections()
    stray = SectionLabels(
        predicted.class_map, predicted.instances, {**predicted.classes, 4: 3}, COMPONENTS
    )

    row = class_objects([stray], [truth], 3)

    assert (row["n_gt"], row["n_pred"]) == (0, 1)
    assert row["map"] == 0.0 and row["f1_iou50"] == 0.0


def test_a_fold_mean_over_classes_leaves_out_a_class_nobody_has():
    predicted, truth = _sections()

    fold = pooled_fold_objects([predicted], [truth], [1, 3], {1: "nucleus", 3: "mitochondria"})

    nucleus, absent = fold["per_class"]
    assert absent["name"] == "mitochondria" and absent["map"] is None
    # four of five nuclei found exactly: TP 4, FP 0, FN 1 at every threshold
    assert nucleus["map"] == pytest.approx(np.mean([4 / 5] * len(THRESHOLDS)))
    assert fold["map"] == pytest.approx(nucleus["map"])
