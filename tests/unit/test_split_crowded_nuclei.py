"""Counting nuclei on crowded fields (``label_instances(split_touching=True)``): elongated nuclei
lying across each other are not cut along their length, nuclei pressed flat against each other
are told apart by their dimmer boundary where the stain is at hand, and the fluorescence ground
truth's border rule removes the nuclei the border cuts, not their pressed neighbours
(tests/helpers_crowded_fields.py, docs/fluorescence.md "Nuclei in evaluation")."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from skimage.segmentation import clear_border

from inference.ml.fluorescence import border_nuclei
from inference.ml.objects import label_instances
from inference.ml.objects.necks import merge_wide_necks
from inference.ml.objects.overlap import iou_matrix
from tests.helpers_crowded_fields import elongated_field, pressed_field

# Counts: at least this share of the known nuclei and at most 10 % more.
FEWEST, MOST = 0.8, 1.1


def object_f1(found: np.ndarray, known: np.ndarray) -> float:
    """2 TP / (known + found), TP one-to-one pairs at IoU > 0.5."""
    iou = iou_matrix(found, known)
    rows, cols = linear_sum_assignment(-iou)
    return 2 * int((iou[rows, cols] > 0.5).sum()) / (int(found.max()) + int(known.max()))


def assert_counted(found: np.ndarray, known: np.ndarray, f1: float) -> None:
    count = int(known.max())
    assert FEWEST * count <= found.max() <= MOST * count
    assert object_f1(found, known) >= f1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_elongated_nuclei_across_each_other_are_counted_once_each(seed):
    """16 ellipses of aspect 1.5-3.5, most beside another: h-maxima of 2 px alone cut some
    along their length (25 found of 16, F1 0.44 with seed 1)."""
    field = elongated_field((384, 480), nuclei=16, scale=2.5, seed=seed)
    assert_counted(label_instances(field.mask, split_touching=True), field.instances, 0.85)
    # The stain's cuts are kept too: an overlap is brighter, so a little less sure here.
    with_stain = label_instances(field.mask, split_touching=True, stain=field.stain)
    assert_counted(with_stain, field.instances, 0.8)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pressed_nuclei_are_told_apart_by_their_dimmer_boundary(seed):
    """Nuclei pressed flat at 70 % coverage, sizes 3x apart: the mask has no neck between many
    of them, the stain a boundary at half the brightness of their centres."""
    field = pressed_field(seed=seed)
    found = label_instances(field.mask, split_touching=True, stain=field.stain)
    assert_counted(found, field.instances, 0.85)
    # The mask alone leaves a quarter of them joined (docs/fluorescence.md, "Not yet handled").
    shape_only = label_instances(field.mask, split_touching=True)
    assert shape_only.max() < FEWEST * field.count


def test_the_border_rule_with_the_stain_removes_the_cut_nuclei_not_their_neighbours():
    field = pressed_field(seed=2)
    cut = (field.instances > 0) & (clear_border(field.instances) == 0)
    removed = border_nuclei(field.mask, field.stain)
    dice = 2 * (removed & cut).sum() / (removed.sum() + cut.sum())
    assert dice > 0.85
    inner_lost = (removed & ~cut).sum() / (field.mask & ~cut).sum()
    assert inner_lost < 0.1
    shape_only = border_nuclei(field.mask)
    assert (shape_only & ~cut).sum() > (removed & ~cut).sum()


def test_a_lumpy_nucleus_is_merged_and_a_neck_is_kept():
    """Three regions: a capsule cut in two across its width (the cut is as wide as the capsule),
    and a disk beside it through a narrow neck."""
    yy, xx = np.mgrid[:40, :90]
    capsule = (np.abs(yy - 20) <= 8) & (xx >= 10) & (xx <= 50)
    disk = (yy - 20) ** 2 + (xx - 66) ** 2 <= 12**2
    neck = (np.abs(yy - 20) <= 2) & (xx > 50) & (xx < 56)
    labels = np.where(capsule & (xx <= 30), 1, np.where(capsule, 2, 0))
    labels = np.where(disk | neck & ~capsule, 3, labels).astype(np.int32)
    distance = np.where(labels > 0, 9.0, 0.0)
    distance[neck] = 3.0
    merged = merge_wide_necks(labels, distance, 0.9)
    assert merged.max() == 2
    assert len(np.unique(merged[capsule])) == 1
    assert merged[20, 66] != merged[20, 20]
    with pytest.raises(ValueError, match="neck ratio"):
        merge_wide_necks(labels, distance, 1.5)


def test_pressed_nuclei_in_an_anisotropic_volume_stay_split():
    """Three sections of a pressed field stacked, z twice the xy pitch, stain and all: the 3D
    split finds the nuclei the 2D split of one section finds, within a few."""
    field = pressed_field((128, 160), seed=4)
    mask = np.stack([field.mask] * 3)
    stain = np.stack([field.stain] * 3)
    volume = label_instances(mask, split_touching=True, spacing=(2.0, 1.0, 1.0), stain=stain)
    section = label_instances(field.mask, split_touching=True, stain=field.stain)
    assert abs(int(volume.max()) - int(section.max())) <= 0.1 * section.max()
    plain = label_instances(mask, split_touching=True, spacing=(2.0, 1.0, 1.0))
    assert plain.max() >= 0.6 * field.count


def test_the_report_names_the_split_with_its_merge_of_wide_necks():
    from inference.services.evaluation.labels import WATERSHED

    assert WATERSHED == "watershed of the distance transform (h-maxima seeds, wide necks merged)"


def test_a_flat_stain_leaves_the_split_of_the_shape_and_a_wrong_shape_is_refused():
    field = elongated_field((192, 240), nuclei=8, seed=5)
    shape_only = label_instances(field.mask, split_touching=True)
    flat = label_instances(field.mask, split_touching=True, stain=np.full(field.mask.shape, 7.0))
    assert flat.max() == shape_only.max()  # the same nuclei, numbered in raster order
    pairs = np.unique(np.stack([flat.ravel(), shape_only.ravel()]), axis=1)
    assert pairs.shape[1] == shape_only.max() + 1
    with pytest.raises(ValueError, match="the stain is"):
        label_instances(field.mask, split_touching=True, stain=field.stain[:-1])
