"""One mask file per nucleus merged into one instance label image (the pure merge): ids in
natural file-name order, overlaps to the smaller nucleus, empty files skipped, bad files refused."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from annotations.imaging.errors import MaskError
from annotations.imaging.object_masks import merge_object_masks, natural_key
from tests.unit.test_mask_stacks import touching_disks


def per_nucleus(labels: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """The files an expert set would hold: mask1.png, mask2.png, … as 0/255 images."""
    return [
        (f"mask{k}.png", np.where(labels == k, 255, 0).astype(np.uint8))
        for k in range(1, int(labels.max()) + 1)
    ]


def test_touching_nuclei_merge_back_into_the_labels_they_came_from():
    labels = touching_disks()
    # Touching: as one binary mask they are one connected component.
    assert ndimage.label(labels > 0)[1] == 1 < labels.max()
    files = per_nucleus(labels)

    merged = merge_object_masks(reversed(files))

    assert np.array_equal(merged.labels, labels)
    assert merged.objects == labels.max() and merged.overlap_pixels == 0
    assert merged.names == [name for name, _ in files]


def test_ids_follow_natural_name_order():
    assert sorted(["mask10.png", "mask2.png", "Mask1.png"], key=natural_key) == [
        "Mask1.png",
        "mask2.png",
        "mask10.png",
    ]
    masks = []
    for k, name in enumerate(["n10.tif", "n2.tif", "n1.tif"]):
        mask = np.zeros((8, 8), bool)
        mask[k, k] = True
        masks.append((name, mask))

    merged = merge_object_masks(masks)

    assert merged.names == ["n1.tif", "n2.tif", "n10.tif"]
    assert merged.labels[2, 2] == 1 and merged.labels[1, 1] == 2 and merged.labels[0, 0] == 3


def test_an_overlap_goes_to_the_smaller_nucleus_and_a_swallowed_one_is_named():
    big = np.zeros((40, 40), np.uint8)
    big[5:35, 5:35] = 1
    small = np.zeros_like(big)
    small[10:16, 10:16] = 1  # lies on the big one
    inside = np.zeros_like(big)
    inside[20:22, 20:22] = 1
    covering = inside.copy()  # the same pixels again, a second file: nothing left for one

    merged = merge_object_masks(
        [("a.png", big), ("b.png", small), ("c.png", inside), ("d.png", covering)]
    )

    assert (merged.labels[10:16, 10:16] == 2).all()
    assert np.count_nonzero(merged.labels == 1) == 900 - 36 - 4
    assert merged.overlap_pixels == 36 + 4
    assert merged.lost == ["c.png"]  # d.png, written after it at equal size, keeps the pixels
    assert merged.objects == 3


def test_empty_files_are_skipped_and_named():
    labels = touching_disks()
    files = per_nucleus(labels) + [("mask99.png", np.zeros(labels.shape, np.uint8))]

    merged = merge_object_masks(files)

    assert merged.empty == ["mask99.png"] and merged.objects == labels.max()


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (
            np.zeros((10, 12), np.uint8),
            "not 10×10 pixels (width × height) as the others are: b.png is 12×10",
        ),
        (np.arange(100).reshape(10, 10), "b.png holds several values (1, 2, 3, 4, …)"),
        (np.array(["x"] * 100).reshape(10, 10), "b.png holds <U1 values"),
    ],
)
def test_a_file_that_is_not_one_nucleus_of_the_size_is_refused(second, message):
    first = np.zeros((10, 10), np.uint8)
    first[2:4, 2:4] = 255
    with pytest.raises(MaskError) as refused:
        merge_object_masks([("a.png", first), ("b.png", second)])
    assert message in refused.value.message


def test_the_one_mask_a_pixel_off_is_named_even_when_it_comes_first():
    """An expert set of hundreds of masks with one a row taller: the refusal names that file,
    not every other file against it, in width × height as the other size messages."""
    good = np.zeros((520, 696), np.uint8)
    good[10:20, 10:20] = 255
    odd = np.zeros((521, 696), np.uint8)
    odd[30:40, 30:40] = 255
    files = [("mask_0.png", odd)] + [(f"mask_{k}.png", good) for k in range(1, 6)]

    with pytest.raises(MaskError) as refused:
        merge_object_masks(files)

    assert refused.value.message == (
        "1 of 6 mask files are not 696×520 pixels (width × height) as the others are: "
        "mask_0.png is 696×521. The masks of one image have its size."
    )


def test_no_files_is_refused():
    with pytest.raises(MaskError, match="no mask files"):
        merge_object_masks([])
