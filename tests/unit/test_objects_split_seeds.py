"""``label_instances(split_touching=True)`` numbers every voxel exactly as the seeded watershed
with the h-maxima of the whole distance map does: same nuclei, same ids, on any mask (before wide
necks are merged: ``neck_ratio=None``)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage as ndi
from skimage.measure import label as connected_label
from skimage.morphology import h_maxima
from skimage.segmentation import relabel_sequential, watershed

from inference.ml.objects import label_instances


def whole_volume_split(mask: np.ndarray, h: float, spacing=None) -> np.ndarray:
    """The split as defined: h-maxima of the whole distance map as seeds, then the watershed."""
    binary = np.asarray(mask) != 0
    if not binary.any():
        return np.zeros(binary.shape, dtype=np.int32)
    distance = ndi.distance_transform_edt(binary, sampling=spacing)
    seeds = connected_label(h_maxima(distance, h), connectivity=binary.ndim)
    labels = watershed(-distance, seeds, mask=binary)
    # Foreground no seed reached: nuclei of their own, numbered after the seeded ones.
    orphans = connected_label(binary & (labels == 0), connectivity=binary.ndim)
    return relabel_sequential(np.where(orphans > 0, orphans + labels.max(), labels))[0]


def assert_same_split(mask: np.ndarray, h: float, spacing=None) -> np.ndarray:
    expected = whole_volume_split(mask, h, spacing)
    labels = label_instances(mask, split_touching=True, h=h, spacing=spacing, neck_ratio=None)
    assert labels.dtype == np.int32
    np.testing.assert_array_equal(labels, expected)
    return labels


def balls(shape, centres, radii, spacing=None) -> np.ndarray:
    """Union of ellipsoids: radius ``r`` in physical units, ``spacing`` per axis (1 by default)."""
    scale = np.ones(len(shape)) if spacing is None else np.asarray(spacing, dtype=float)
    grid = np.indices(shape, dtype=float)
    mask = np.zeros(shape, dtype=bool)
    for centre, radius in zip(centres, radii):
        offsets = [(g - c) * s for g, c, s in zip(grid, centre, scale)]
        mask |= sum(o**2 for o in offsets) <= radius**2
    return mask


def touching_pairs(shape, n_pairs: int, rng: np.random.Generator, spacing=None) -> np.ndarray:
    """Pairs of balls overlapping by a fraction of their radius: each pair one blob, two nuclei.
    Radii are 2.5-6 voxels of the last axis; the pairs lean in any direction."""
    scale = np.ones(len(shape)) if spacing is None else np.asarray(spacing, dtype=float)
    centres, radii = [], []
    for _ in range(n_pairs):
        r1, r2 = rng.uniform(2.5, 6.0, 2) * scale[-1]
        first = rng.uniform(0, 1, len(shape)) * shape * scale
        direction = rng.normal(size=len(shape))
        direction /= np.linalg.norm(direction)
        second = first + direction * (r1 + r2) * rng.uniform(0.7, 0.95)
        centres += [first / scale, second / scale]
        radii += [r1, r2]
    return balls(shape, centres, radii, spacing)


@st.composite
def messy_masks(draw):
    """Touching and isolated balls (some cut by the volume's border), 1-3 voxel specks,
    isotropic or anisotropic voxels, in 2D or 3D; h a value the distance map takes (or the
    next float either side of it) as often as an arbitrary one."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    ndim = draw(st.sampled_from([2, 3]))
    shape = tuple(int(n) for n in rng.integers(6, 40, ndim))
    if ndim == 3:
        shape = (int(rng.integers(3, 14)), *shape[1:])
    spacing = draw(st.sampled_from([None, "anisotropic"]))
    if spacing is not None:
        spacing = tuple(float(s) for s in rng.uniform(0.3, 3.0, ndim))
    mask = touching_pairs(shape, draw(st.integers(0, 6)), rng, spacing)
    n_balls = draw(st.integers(0, 6))
    mask |= balls(
        shape, rng.uniform(-0.1, 1.1, (n_balls, ndim)) * shape, rng.uniform(0.5, 5, n_balls)
    )
    specks = rng.random(shape) < draw(st.sampled_from([0.0, 0.002, 0.02]))
    mask |= specks | ndi.binary_dilation(specks, iterations=1) & (rng.random(shape) < 0.15)
    distance = ndi.distance_transform_edt(mask, sampling=spacing)
    values = np.unique(distance[mask]) if mask.any() else np.array([1.0])
    h = float(values[draw(st.integers(0, len(values) - 1))])
    h = draw(
        st.sampled_from(
            [
                h,
                float(np.nextafter(h, np.inf)),
                float(np.nextafter(h, 0)),
                h * (1 + 1e-15),
                draw(st.floats(0.05, 6.0)),
            ]
        )
    )
    return mask, max(h, 1e-3), spacing


@settings(max_examples=300, deadline=None)
@given(case=messy_masks())
def test_split_is_the_whole_volume_split_on_messy_masks(case) -> None:
    mask, h, spacing = case
    assert_same_split(mask, h, spacing)


@pytest.mark.parametrize("spacing", [None, (2.5, 1.0, 1.0), (0.195, 0.098, 0.098)])
@pytest.mark.parametrize("h", [0.3, 1.0, 2.0, 3.5])
def test_split_is_the_whole_volume_split_on_a_crowded_volume(spacing, h) -> None:
    """``h`` in voxels of the last axis."""
    rng = np.random.default_rng(7)
    shape = (24, 96, 96)
    mask = touching_pairs(shape, 40, rng, spacing)
    mask |= rng.random(shape) < 0.001  # single-voxel specks
    labels = assert_same_split(mask, h * (1.0 if spacing is None else spacing[-1]), spacing)
    assert labels.max() > ndi.label(mask, np.ones((3, 3, 3)))[1]  # touching nuclei were split


@pytest.mark.parametrize("h", [0.5, 1.0, 2.0, 1e9])
def test_split_of_tiny_blobs_alone_and_beside_a_large_nucleus(h) -> None:
    shape = (9, 40, 40)
    specks = np.zeros(shape, dtype=bool)
    specks[0, 0, 0] = specks[4, 5, 5] = True  # one voxel, one at a corner
    specks[8, 39, 37:40] = True  # three in a row at the far corner
    specks[4, 10, 10:12] = specks[5, 11, 11] = True  # three, diagonal
    specks[2:5, 20:23, 30:33] = True  # 3x3x3: distance 2 at its centre
    assert_same_split(specks, h)
    assert_same_split(specks | balls(shape, [(4, 28, 14)], [4.0]), h)
    assert_same_split(specks | balls(shape, [(4, 28, 14)], [4.0]), h, (2.0, 1.0, 1.0))


@pytest.mark.parametrize("h", [1.0, 2.0, 5.0])
def test_split_of_nuclei_cut_by_the_volume_border(h) -> None:
    shape = (10, 50, 50)
    mask = balls(shape, [(0, 0, 0), (9, 49, 25), (5, 25, 49), (5, 12, 2), (5, 19, 2)], [7.0] * 5)
    mask[:, 30:, :3] = True  # a slab along one face
    labels = assert_same_split(mask, h)
    if h == 1.0:
        assert labels[5, 12, 2] != labels[5, 19, 2]


@pytest.mark.parametrize("shape", [(5, 12, 12), (12, 12)])
def test_split_of_an_empty_mask_and_of_a_full_one(shape) -> None:
    empty = assert_same_split(np.zeros(shape, dtype=bool), 1.0)
    assert not empty.any()
    full = assert_same_split(np.ones(shape, dtype=bool), 1.0)
    assert full.min() == 1


@pytest.mark.parametrize("spacing", [None, (3.0, 1.0, 1.0)])
def test_split_of_one_component_filling_most_of_the_volume(spacing) -> None:
    rng = np.random.default_rng(11)
    shape = (16, 64, 64)
    mask = np.ones(shape, dtype=bool)
    mask[rng.random(shape) < 0.01] = False  # holes: every nucleus merged into one blob
    mask[:, 32, :] = False  # a wall across, but for a gap
    mask[:, 32, 30:34] = True
    labels = assert_same_split(mask, 2.0, spacing)
    assert labels.max() > 1


def test_split_of_crowded_sections() -> None:
    from annotations.demo.nuclei import nuclei_disks, paint_disks

    for seed in range(3):
        mask = paint_disks(nuclei_disks(seed, n_nuclei=40, touching=0.9)) > 0
        labels = assert_same_split(mask, 2.0)
        assert labels.max() > ndi.label(mask, np.ones((3, 3)))[1]


def test_split_where_a_peak_is_within_float_tolerance_of_h() -> None:
    """h_maxima counts a peak a rounding error below h as a seed when no peak in the volume
    clears h by more than its tolerance: a nucleus one voxel of 0.3 thick (peak 0.3) is seeded
    next to one five voxels of 0.1 thick (peak 3 × 0.1 = 0.30000000000000004 = h); beside a
    large nucleus it is not."""
    spacing = (0.1, 0.3, 0.3)
    mask = np.zeros((30, 12, 12), dtype=bool)
    mask[1:10, 2, 2:9] = True  # one voxel thick in y: peak 0.3
    mask[13:18, 4:10, 4:10] = True  # five voxels thick in z: peak 3 × 0.1
    h = float(ndi.distance_transform_edt(mask, sampling=spacing).max())
    assert h > 0.3
    labels = assert_same_split(mask, h, spacing)
    assert labels[5, 2, 5] == 1 and labels[15, 6, 6] == 2  # both seeded, in scan order
    mask[20:29, 1:11, 1:11] = True  # a large nucleus: the thin one is now too low for a seed
    labels = assert_same_split(mask, h, spacing)
    assert labels[5, 2, 5] == 3  # numbered after the seeded ones
