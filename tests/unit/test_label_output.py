"""One network output -> class map, instances and the class of each instance."""

from __future__ import annotations

import numpy as np
import pytest

from inference.ml.heads import HeadLayout
from inference.ml.instances import boundary_target, distance_target
from inference.ml.label_output import activate, channel_values, labels_from_output
from tests.helpers_masks import touching_disks


def _logits_for(class_map: np.ndarray, n_classes: int) -> np.ndarray:
    """Logits whose argmax is ``class_map`` (channel k high where the class is k)."""
    return np.stack([np.where(class_map == k, 4.0, -4.0) for k in range(n_classes)]).astype(
        np.float32
    )


def test_the_softmax_argmax_gives_each_channel_its_class_value():
    truth = np.zeros((8, 8), dtype=np.uint8)
    truth[:4, :4], truth[4:, 4:] = 1, 2
    layout = HeadLayout(n_classes=3)
    class_map, instances, classes = labels_from_output(
        _logits_for(truth, 3), layout, [5, 7], instance_values=()
    )
    assert class_map.dtype == np.uint8 and instances.dtype == np.uint16
    np.testing.assert_array_equal(class_map, np.array([0, 5, 7], dtype=np.uint8)[truth])
    assert not instances.any() and classes == {}


def test_an_instance_class_without_an_instance_channel_is_numbered_by_components():
    truth = np.zeros((10, 10), dtype=np.uint8)
    truth[1:3, 1:3] = truth[6:9, 6:9] = 1
    truth[1:3, 6:9] = 2
    _, instances, classes = labels_from_output(
        _logits_for(truth, 3), HeadLayout(n_classes=3), [0, 1, 2], instance_values={1}
    )
    assert classes == {1: 1, 2: 1}
    assert set(np.unique(instances[truth == 1])) == {1, 2}
    assert not instances[truth != 1].any()


def test_the_distance_channel_splits_two_touching_disks():
    disks = touching_disks()
    logits = _logits_for((disks > 0).astype(np.uint8), 2)
    output = np.concatenate([logits, distance_target(disks)[None]])
    class_map, instances, classes = labels_from_output(
        output, HeadLayout(n_classes=2, instance="distance"), [1], instance_values=[1]
    )
    np.testing.assert_array_equal(class_map, (disks > 0).astype(np.uint8))
    assert classes == {1: 1, 2: 1}
    # Each true disk is mostly one predicted nucleus, and a different one for each disk.
    majority = [np.bincount(instances[disks == number]).argmax() for number in (1, 2)]
    assert sorted(majority) == [1, 2]
    for number, predicted in zip((1, 2), majority, strict=True):
        assert (instances[disks == number] == predicted).mean() > 0.9
    # Connected components of the same foreground merge them.
    _, merged, merged_classes = labels_from_output(
        logits, HeadLayout(n_classes=2), [1], instance_values=[1]
    )
    assert merged_classes == {1: 1} and merged.max() == 1


def test_a_boundary_channel_splits_them_too():
    disks = touching_disks()
    boundary_logit = np.where(boundary_target(disks) > 0, 6.0, -6.0).astype(np.float32)
    output = np.concatenate([_logits_for((disks > 0).astype(np.uint8), 2), boundary_logit[None]])
    _, instances, classes = labels_from_output(
        output, HeadLayout(n_classes=2, instance="boundary"), [1], instance_values=[1]
    )
    assert classes == {1: 1, 2: 1}
    assert len(np.unique(instances[disks == 1])) == 1 and len(np.unique(instances[disks == 2])) == 1


def test_a_binary_sigmoid_output_is_thresholded_to_its_class_value():
    logit = np.array([[[-3.0, -0.1], [0.1, 3.0]]], dtype=np.float32)
    class_map, instances, classes = labels_from_output(logit, HeadLayout(), [1], [1])
    np.testing.assert_array_equal(class_map, [[0, 0], [1, 1]])
    assert classes == {1: 1} and instances.max() == 1
    strict, _, _ = labels_from_output(logit, HeadLayout(), [4], [], threshold=0.9)
    np.testing.assert_array_equal(strict, [[0, 0], [0, 4]])
    # Already activated maps (averaged probabilities) are thresholded as they are.
    probabilities = activate(logit, HeadLayout())
    again, _, _ = labels_from_output(probabilities, HeadLayout(), [1], [], activated=True)
    np.testing.assert_array_equal(again, class_map)


def test_activate_gives_probabilities_and_keeps_the_distance():
    output = np.random.default_rng(0).normal(size=(4, 5, 5)).astype(np.float32)
    activated = activate(output, HeadLayout(n_classes=3, instance="distance"))
    np.testing.assert_allclose(activated[:3].sum(axis=0), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(activated[3], output[3])


def test_mismatched_outputs_and_values_are_refused_with_the_reason():
    layout = HeadLayout(n_classes=3)
    with pytest.raises(ValueError, match=r"expected \(3, H, W\)"):
        labels_from_output(np.zeros((2, 4, 4)), layout, [1, 2], [])
    with pytest.raises(ValueError, match="needs 2 class values"):
        labels_from_output(np.zeros((3, 4, 4)), layout, [1], [])
    with pytest.raises(ValueError, match="one class value"):
        channel_values(HeadLayout(), [1, 2])
    assert channel_values(layout, [0, 3, 4]) == [0, 3, 4]
