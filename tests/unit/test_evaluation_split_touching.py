"""Touching predicted nuclei separated as the ground truth's are: a binary prediction that gets
every pixel of a crowded field right scores object F1 1.0 against fluorescence ground truth
(split by the watershed of its distance transform), where numbered by connected components it
merges every touching row into one object. A version with an instance head keeps its own."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi
from scipy.optimize import linear_sum_assignment
from skimage.morphology import h_maxima
from skimage.segmentation import watershed

from inference.ml.heads import HeadLayout
from inference.models import VolumeResult
from inference.reports import report_html, results_csv_rows
from inference.services.evaluation.labels import (
    COMPONENTS,
    WATERSHED,
    HeadPredictions,
    binary_prediction,
    watershed_labels,
)
from inference.services.evaluation.volume_numbers import class_objects
from tests.conftest import signed_in
from tests.helpers_training import current_gt
from tests.unit.test_evaluation_instances import evaluate
from tests.unit.test_mask_stacks import touching_disks

pytestmark = pytest.mark.usefixtures("single_thread_torch", "media_root")

NUCLEUS = [{"value": 1, "name": "nucleus"}]


def object_f1(numbers: dict) -> float:
    """Objects paired one-to-one at IoU >= 0.7 over all objects on both sides."""
    return 2 * numbers["correct"] / (numbers["n_gt"] + numbers["n_pred"])


def skimage_watershed(mask: np.ndarray) -> np.ndarray:
    """The ground truth's split, run directly: distance transform, h-maxima seeds (h = 2 px)."""
    distance = ndi.distance_transform_edt(mask)
    seeds, _ = ndi.label(h_maxima(distance, 2.0), np.ones((3, 3)))
    return watershed(-distance, seeds, mask=mask)


def correct_pairs(pred: np.ndarray, truth: np.ndarray) -> int:
    """One-to-one pairs at IoU >= 0.7, from a Hungarian assignment of the IoU of every pair."""
    p_ids, t_ids = np.unique(pred[pred > 0]), np.unique(truth[truth > 0])
    iou = np.zeros((len(t_ids), len(p_ids)))
    for i, t in enumerate(t_ids):
        for j, p in enumerate(p_ids):
            iou[i, j] = ((pred == p) & (truth == t)).sum() / ((pred == p) | (truth == t)).sum()
    rows, cols = linear_sum_assignment(-iou)
    return int((iou[rows, cols] >= 0.7).sum())


def test_a_perfect_binary_prediction_of_touching_nuclei_scores_f1_one_only_when_split():
    mask = touching_disks() > 0
    truth = watershed_labels(mask.astype(np.uint8), [1])
    independent = skimage_watershed(mask)
    assert independent.max() == 5
    scores = {}
    for split in (True, False):
        predicted = binary_prediction(mask[None], 1, [0], [1], split_touching=split)
        scores[split] = class_objects(predicted.sections, [truth], 1)
    split, merged = scores[True], scores[False]
    assert split["pred_instances"] == WATERSHED and merged["pred_instances"] == COMPONENTS
    assert (split["n_gt"], split["n_pred"], split["correct"]) == (5, 5, 5)
    assert object_f1(split) == 1.0 and split["map"] == 1.0
    assert correct_pairs(independent, independent) == 5
    # Connected components: the touching row is one object, matched to no nucleus at IoU 0.7.
    one_blob = ndi.label(mask)[0]
    assert (merged["n_gt"], merged["n_pred"]) == (5, one_blob.max()) == (5, 1)
    assert merged["correct"] == correct_pairs(one_blob, independent) == 0
    assert merged["merge"] == 1 and object_f1(merged) == 0.0


def _head_output(mask: np.ndarray, distance: np.ndarray | None, layout) -> np.ndarray:
    """An activated output (1, C, H, W) predicting ``mask`` as class 1."""
    if layout.n_classes == 1:
        channels = [mask.astype(np.float32)]
    else:
        channels = [1.0 - mask, mask.astype(np.float32)]
    if distance is not None:
        channels.append(distance.astype(np.float32))
    return np.stack(channels)[None]


def _head_sections(layout, mask, distance, split: bool):
    heads = HeadPredictions(layout, NUCLEUS, (1, *mask.shape), [0], [1], 0.5, split_touching=split)
    heads.add(0, _head_output(mask, distance, layout))
    return heads.prediction.sections[0]


def test_a_version_with_an_instance_head_keeps_its_own_instances():
    mask = touching_disks() > 0
    # Its distance channel has one peak: the head says the row is one nucleus.
    rows, cols = np.indices(mask.shape)
    distance = np.where(mask, 50.0 - np.hypot(rows - 32, cols - 46) / 10, 0.0)
    layout = HeadLayout(n_classes=1, instance="distance")
    split, kept = (_head_sections(layout, mask, distance, s) for s in (True, False))
    assert split.numbered_by == kept.numbered_by == "instance head (distance)"
    assert np.array_equal(split.instances, kept.instances)
    assert len(split.classes) == 1


def test_a_version_with_classes_but_no_instance_head_is_split():
    mask = touching_disks() > 0
    layout = HeadLayout(n_classes=2)
    split = _head_sections(layout, mask, None, True)
    kept = _head_sections(layout, mask, None, False)
    assert split.numbered_by == WATERSHED and len(split.classes) == 5
    assert kept.numbered_by == COMPONENTS and len(kept.classes) == 1


@pytest.fixture
def crowded(make_volume, specimen):
    """Two bright-field sections of five touching nuclei, their fluorescence ground truth a
    binary mask; Otsu finds every pixel of it."""
    mask = np.stack([touching_disks() > 0] * 2)
    rng = np.random.default_rng(0)
    image = (100 + 900 * mask + rng.normal(0, 10, mask.shape)).astype(np.float32)
    volume = make_volume(specimen, image, modality="brightfield")
    for section in volume.sections.order_by("z"):
        current_gt(section, mask[section.z], "fluorescence")
    return mask


@pytest.mark.parametrize("split", [True, False])
def test_an_evaluation_scores_the_otsu_baseline_as_the_option_says(
    project, manager, specimen, crowded, split
):
    done = evaluate(project, manager, "fluorescence", specimen, split_touching=split)
    assert done.split_touching is split and done.summary["split_touching"] is split
    row = VolumeResult.objects.get(evaluation=done, method="otsu")
    assert row.dice_3d == pytest.approx(1.0)  # every pixel right
    numbers = row.object_metrics
    independent = [skimage_watershed(section) for section in crowded]
    pred = independent if split else [ndi.label(section)[0] for section in crowded]
    assert numbers["n_gt"] == sum(int(t.max()) for t in independent) == 10
    assert numbers["n_pred"] == sum(int(p.max()) for p in pred)
    assert numbers["correct"] == sum(correct_pairs(p, t) for p, t in zip(pred, independent))
    assert object_f1(numbers) == (1.0 if split else 0.0)
    assert numbers["pred_instances"] == (WATERSHED if split else COMPONENTS)
    rows = list(results_csv_rows(done))
    column = rows[0].index("objects_pred_instances")
    otsu = [r for r in rows[1:] if r[0] == "volume" and r[rows[0].index("method")] == "otsu"]
    assert [r[column] for r in otsu] == [numbers["pred_instances"]]
    said = "separated by the watershed" if split else "not separated: where a prediction"
    page = signed_in(manager).get(f"/evaluations/{done.pk}/").content.decode()
    for html in (report_html(done), page):
        assert f'data-role="prediction-split">Touching predicted nuclei: {said}' in html
        assert f'data-role="prediction-split">{said}' in html  # the facts, beside the plan
