"""Instance targets, watershed separation of touching nuclei, and per-class object metrics."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage.morphology import h_maxima

from annotations.demo.nuclei import nuclei_field, nuclei_samples
from inference.ml.engine import make_optimizer, prepare_model, seed_everything, train_one_epoch
from inference.ml.heads import HeadLayout, create_model_with_heads
from inference.ml.instances import (
    boundary_target,
    boundary_to_instances,
    distance_target,
    distance_to_instances,
    match_per_class,
    object_scores_per_class,
)
from inference.ml.losses import HeadLoss, pack_targets
from inference.ml.objects import label_instances, mean_average_precision
from tests.helpers_masks import touching_disks


def test_the_distance_target_peaks_at_one_in_every_nucleus_even_touching_ones():
    labels = touching_disks()
    target = distance_target(labels)
    assert target.dtype == np.float32
    assert target[labels == 0].max() == 0.0
    for number in (1, 2):
        assert target[labels == number].max() == pytest.approx(1.0)
    # Along the line joining the centres the target dips to its border value between the two.
    line = target[20, 20:38]
    assert line.min() < 0.2 and line.max() == pytest.approx(1.0)
    raw = distance_target(labels, normalise=False)
    assert raw[labels == 2].max() == pytest.approx(10.0, abs=1.0)


def test_the_boundary_target_marks_the_border_between_touching_nuclei():
    labels = touching_disks()
    boundary = boundary_target(labels)
    assert boundary[labels == 0].max() == 0.0
    assert boundary[20, 26] == 1.0 and boundary[20, 27] == 1.0  # on each side of the contact
    assert boundary[20, 20] == 0.0


def test_a_true_distance_map_separates_every_nucleus_where_components_merge_them():
    field = nuclei_field(0)
    distance = distance_to_instances(distance_target(field), field > 0)
    assert mean_average_precision(distance, field) == 1.0
    assert mean_average_precision(label_instances(field > 0), field) < 0.6
    by_boundary = boundary_to_instances(boundary_target(field), field > 0)
    assert mean_average_precision(by_boundary, field) == 1.0


def test_h_decides_how_deep_a_valley_must_be_to_split():
    labels = touching_disks()
    target = distance_target(labels)
    assert distance_to_instances(target, labels > 0, h=0.3).max() == 2
    assert distance_to_instances(target, labels > 0, h=1.5).max() == 1
    with pytest.raises(ValueError, match="h must be > 0"):
        distance_to_instances(target, labels > 0, h=0)
    assert not distance_to_instances(target, np.zeros_like(labels)).any()


def test_foreground_without_a_seed_becomes_its_own_nucleus():
    foreground = np.zeros((20, 20), dtype=bool)
    foreground[2:8, 2:8] = foreground[12:18, 12:18] = True
    distance = np.zeros((20, 20))
    distance[2:8, 2:8] = distance_target(foreground[2:8, 2:8].astype(np.int32))
    labels = distance_to_instances(distance, foreground)
    assert labels.max() == 2 and len(np.unique(labels[12:18, 12:18])) == 1


def test_a_regressed_distance_below_zero_seeds_as_h_maxima_of_the_whole_map_do():
    """The instance head's distance is a plain regression and undershoots 0 inside nuclei; a
    peak rising h out of a negative pit seeds its own nucleus, as h-maxima of the whole map
    decide (seeding one component at a time, exact for maps >= 0, finds none there)."""
    distance = np.zeros((9, 22))
    distance[1:8, 1:14] = 0.2  # two touching nuclei, each centre a peak in a negative pit
    distance[2:7, 2:7] = distance[2:7, 8:13] = -0.5
    distance[4, 4] = distance[4, 10] = -0.1
    distance[1:8, 16:21], distance[4, 18] = 0.5, 1.0  # a third nucleus apart
    foreground = distance != 0
    seeds = (h_maxima(distance, 0.3) != 0) & foreground
    assert np.argwhere(seeds).tolist() == [[4, 4], [4, 10], [4, 18]]
    labels = distance_to_instances(distance, foreground, h=0.3)
    assert labels.max() == 3
    assert len({labels[4, 4], labels[4, 10], labels[4, 18]}) == 3


def test_objects_are_matched_only_within_their_class():
    truth_map = np.zeros((20, 40), dtype=np.int32)
    truth_map[2:10, 2:10], truth_map[2:10, 20:28] = 1, 2
    predicted_map = truth_map.copy()
    truth = (truth_map, {1: 1, 2: 3})
    predicted = (predicted_map, {1: 1, 2: 1})  # the second one predicted in the wrong class
    matches = match_per_class(predicted, truth)
    assert sorted(matches) == [1, 3]
    assert matches[1].correct_detections == 1 and matches[1].n_pred == 2
    assert matches[3].correct_detections == 0 and matches[3].false_negatives == 1
    scores = object_scores_per_class(predicted, truth)
    assert scores[1]["map"] == pytest.approx(0.5) and scores[1]["incorrect"] == 1
    assert scores[3]["map"] == 0.0 and scores[3]["n_pred"] == 0


@pytest.mark.slow
@pytest.mark.usefixtures("single_thread_torch")
def test_a_distance_head_separates_touching_nuclei_better_than_connected_components():
    generator = seed_everything(0)
    images, fields = nuclei_samples(range(32), size=48, n_nuclei=4)
    test_images, test_fields = nuclei_samples(range(1000, 1016), size=48, n_nuclei=4)
    layout = HeadLayout(1, "distance")
    model = prepare_model(create_model_with_heads("unet16", layout), torch.device("cpu"))
    optimizer = make_optimizer(model, lr=2e-3)
    x = torch.from_numpy(images)
    y = pack_targets(fields > 0, np.stack([distance_target(f) for f in fields]))
    for epoch in range(15):  # 15 epochs x 4 batches of 8
        order = torch.randperm(len(x), generator=generator)
        batches = [(x[order[i : i + 8]], y[order[i : i + 8]]) for i in range(0, len(x), 8)]
        train_one_epoch(
            model, batches, optimizer, HeadLoss(layout), device=torch.device("cpu"), epoch=epoch
        )
    model.eval()
    with torch.no_grad():
        output = model(torch.from_numpy(test_images))
    foreground = layout.predict_classes(output).numpy() > 0
    distance = layout.split(output)[1].numpy()
    by_distance = np.mean(
        [
            mean_average_precision(distance_to_instances(d, f), truth)
            for d, f, truth in zip(distance, foreground, test_fields)
        ]
    )
    by_components = np.mean(
        [mean_average_precision(label_instances(f), t) for f, t in zip(foreground, test_fields)]
    )
    # Measured: about 0.93 against 0.10 (docs/labels.md has the figures of bench/instances.py).
    assert by_distance > 0.75
    assert by_distance > by_components + 0.4
