"""Mask stacks from other tools: binary only unless asked for instances, refused whole by name."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi

from annotations.imaging.errors import MaskError
from annotations.imaging.mask_stacks import binary_stack, instance_stack


def touching_disks(shape=(64, 96), radius=9) -> np.ndarray:
    """Instance labels of disks in a row whose neighbours touch (one instance each)."""
    rows, cols = np.indices(shape)
    labels = np.zeros(shape, np.uint16)
    best = np.full(shape, np.inf)
    for number, centre_col in enumerate(range(14, shape[1] - 10, 2 * radius - 2), start=1):
        dist = np.hypot(rows - 32, cols - centre_col)
        inside = (dist <= radius) & (dist < best)
        labels[inside] = number
        best[inside] = dist[inside]
    return labels


@pytest.mark.parametrize(
    "mask",
    [
        np.array([[0, 1], [1, 0]], np.uint8),
        np.array([[0, 255], [255, 0]], np.uint8),
        np.array([[False, True]]),
        np.array([[0.0, 1.0]], np.float32),
        np.zeros((3, 4, 4), np.int16),
    ],
)
def test_binary_masks_are_taken_as_the_nucleus(mask):
    stack = binary_stack(mask)
    assert stack.dtype == bool and stack.ndim == 3
    assert np.array_equal(stack.reshape(np.shape(mask)), np.asarray(mask) != 0)


def test_a_multi_label_mask_is_refused_naming_its_values_with_counts():
    mask = np.zeros((2, 10, 10), np.uint8)
    mask[0, :2] = 1
    mask[1, :3] = 2
    mask[1, 5, 5] = 7
    values, counts = np.unique(mask, return_counts=True)
    with pytest.raises(MaskError) as refused:
        binary_stack(mask)
    message = refused.value.message
    assert "4 distinct values" in message
    for value, count in zip(values, counts, strict=True):
        assert f"{value} ({count:,} pixel" in message
    assert "--instances" in message


@pytest.mark.parametrize("values", [(0, 1, 255), (1, 255), (0, 2)])
def test_values_that_mix_or_leave_the_binary_sets_are_refused(values):
    with pytest.raises(MaskError, match="distinct values"):
        binary_stack(np.array([values], np.uint16))


def test_a_label_image_with_many_values_names_the_first_few_and_how_many_more():
    labels = np.arange(40, dtype=np.int32).reshape(1, 5, 8)
    with pytest.raises(
        MaskError, match=r"40 distinct values: 0 \(1 pixel\), 1 .* and 35 more values"
    ):
        binary_stack(labels)


def test_touching_disks_count_as_one_instance_each_not_one_component():
    labels = touching_disks()
    _, n_components = ndi.label(labels > 0)
    assert n_components == 1  # they touch: connected components would merge them

    foreground, counts = instance_stack(labels)

    assert counts.total == len(np.unique(labels)) - 1 == 5
    assert counts.per_section == (5,)
    assert np.array_equal(foreground[0], labels > 0)


def test_instances_are_counted_per_section_and_once_over_the_stack():
    labels = np.stack([touching_disks(), touching_disks(), np.zeros((64, 96), np.uint16)])
    labels[1][labels[1] == 5] = 0  # the fifth nucleus ends after section 0
    labels[1][labels[1] == 4] = 9  # section 1 holds another nucleus where 4 was
    _, counts = instance_stack(labels.astype(np.float64))  # whole floats are labels too
    assert counts.per_section == tuple(len(np.unique(s[s > 0])) for s in labels) == (5, 4, 0)
    assert counts.total == len(np.unique(labels[labels > 0])) == 6


def test_over_65535_instances_are_refused():
    labels = np.arange(1, 65_537, dtype=np.int32).reshape(1, 256, 256)
    with pytest.raises(
        MaskError, match="65,536 instances; a 16-bit label image holds at most 65,535"
    ):
        instance_stack(labels)
    _, counts = instance_stack(labels - 1)  # 65,535 and background fit
    assert counts.total == 65_535


@pytest.mark.parametrize(
    ("labels", "reason"),
    [
        (np.array([[0, -3, 2]], np.int16), "negative values"),
        (np.array([[0, 1.5, 2]], np.float32), "fractional values such as 1.5"),
        (np.array([[0, np.nan]], np.float32), "NaN"),
        (np.array([["a"]]), "must hold numbers"),
        (np.zeros((2, 2, 2, 2), np.uint8), "2D or 3D"),
    ],
)
def test_bad_instance_images_are_refused(labels, reason):
    with pytest.raises(MaskError, match=reason):
        instance_stack(labels)


def test_a_probability_map_is_refused_as_fractional():
    with pytest.raises(MaskError, match="fractional values"):
        binary_stack(np.array([[0.0, 0.5, 1.0]]))
