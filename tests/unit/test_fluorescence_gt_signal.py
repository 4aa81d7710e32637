"""The default fluorescence ground truth finds a nucleus wherever the stain shows one, and flags
the sections where the stain and the mask still disagree."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage.filters import threshold_otsu
from skimage.measure import label

from annotations.demo import make_time_series
from inference.ml.fluorescence import (
    MASK_NO_SIGNAL,
    SIGNAL_NO_MASK,
    FluorescenceGTParams,
    fluorescence_ground_truth,
)

OLD_DEFAULT = FluorescenceGTParams(small_objects="section", local_fill=False)


@pytest.fixture(scope="module")
def demo_t0() -> np.ndarray:
    """The demo time-lapse's first time point (the stain of issue 11's t0 z6)."""
    return make_time_series(seed=300, n_time_points=1)[0].dapi


def test_demo_time_lapse_t0_z6_gets_a_mask_where_the_stain_shows_a_nucleus(demo_t0) -> None:
    old, old_info = fluorescence_ground_truth(demo_t0, OLD_DEFAULT)
    masks, info = fluorescence_ground_truth(demo_t0)

    # Volume Otsu: a few pixels of z6 pass the threshold, and the per-section small-object
    # removal dropped them, although the stain's z6 is bright (the 495.8).
    assert old_info["volume_threshold"] == pytest.approx(495.8, abs=0.5)
    smoothed = ndi.gaussian_filter(demo_t0[6].astype(np.float64), 1.0)
    assert smoothed.max() > old_info["volume_threshold"]
    assert not old[6].any()
    assert old_info["quality"][6] == SIGNAL_NO_MASK

    assert masks[6].any()
    assert info["quality"][6] is None
    assert all(q is None for q in info["quality"]), info["quality"]
    # Every section whose stain shows signal has a mask, and no other section has one.
    assert [bool(m.any()) for m in masks] == info["signal"]


def _ball_with_a_pole(size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """A bright nucleus in sections 2-5 whose pole in section 1 is a 5x5 spot (25 px)."""
    stack = np.full((7, size, size), 100.0)
    yy, xx = np.mgrid[:size, :size]
    disk = (yy - 32) ** 2 + (xx - 30) ** 2 < 12**2
    stack[2:6][:, disk] = 1000.0
    stack[1, 30:35, 28:33] = 1000.0
    rng = np.random.default_rng(0)
    return stack + rng.normal(0, 5, stack.shape), disk


def test_small_objects_are_counted_in_3d_so_a_nucleus_keeps_its_pole() -> None:
    stack, _ = _ball_with_a_pole()
    base = {"smoothing_sigma": 0.0, "local_fill": False}
    per_section, _ = fluorescence_ground_truth(
        stack, FluorescenceGTParams(small_objects="section", **base)
    )
    in_3d, _ = fluorescence_ground_truth(stack, FluorescenceGTParams(**base))
    assert not per_section[1].any()
    assert in_3d[1].sum() == 25
    # A speck not attached to anything is still removed in 3D.
    speck = stack.copy()
    speck[6, 5:9, 50:54] = 1000.0
    masks, _ = fluorescence_ground_truth(speck, FluorescenceGTParams(**base))
    assert not masks[6].any()
    assert label(masks, connectivity=1).max() == 1


def test_local_fill_thresholds_a_signal_section_at_its_half_maximum() -> None:
    stack, disk = _ball_with_a_pole()
    stack[1] = 100.0 + np.random.default_rng(1).normal(0, 5, disk.shape)
    # A dim, blurred copy of the nucleus in section 6: 30 % of the peak, below Otsu.
    stack[6] += ndi.gaussian_filter(disk.astype(float), 2.0) * 270.0
    params = FluorescenceGTParams(smoothing_sigma=1.0)
    masks, info = fluorescence_ground_truth(stack, params)

    assert info["filled_sections"] == [6]
    assert info["signal"][6] and masks[6].any()
    # Independently: background = median of the sections' medians, peak = 32nd brightest.
    smoothed = [ndi.gaussian_filter(s, 1.0) for s in stack]
    background = np.median([np.median(s) for s in smoothed])
    peak = np.sort(smoothed[6].ravel())[-32]
    level = background + 0.5 * (peak - background)
    assert info["thresholds"][6] == pytest.approx(level)
    expected = ndi.binary_fill_holes(smoothed[6] > level)
    np.testing.assert_array_equal(masks[6], expected)
    assert info["stain_levels"]["background"] == pytest.approx(background)

    # Off, the section stays empty and is flagged.
    off, off_info = fluorescence_ground_truth(stack, FluorescenceGTParams(local_fill=False))
    assert not off[6].any() and off_info["quality"][6] == SIGNAL_NO_MASK


def test_per_section_otsu_on_noise_is_flagged_mask_without_signal() -> None:
    stack, _ = _ball_with_a_pole()
    masks, info = fluorescence_ground_truth(
        stack, FluorescenceGTParams(scope="section", min_size=1, remove_border=False)
    )
    assert masks[0].any()  # Otsu splits camera noise in two
    assert threshold_otsu(ndi.gaussian_filter(stack[0], 1.0)) == pytest.approx(
        info["thresholds"][0]
    )
    assert not info["signal"][0]
    assert info["quality"][0] == MASK_NO_SIGNAL
    assert info["quality"][3] is None


def test_a_fixed_threshold_is_never_overridden_by_the_fill_and_is_flagged() -> None:
    stack, _ = _ball_with_a_pole()
    masks, info = fluorescence_ground_truth(
        stack, FluorescenceGTParams(method="fixed", value=5000.0)
    )
    assert not masks.any()
    assert info["filled_sections"] == []
    assert [q == SIGNAL_NO_MASK for q in info["quality"]] == info["signal"]
    assert info["signal"] == [False, True, True, True, True, True, False]  # the pole too


def test_signal_parameters_are_validated() -> None:
    with pytest.raises(ValueError, match="small_objects"):
        FluorescenceGTParams(small_objects="pixel")
    with pytest.raises(ValueError, match="signal_fraction"):
        FluorescenceGTParams(signal_fraction=1.5)
    with pytest.raises(ValueError, match="signal_snr"):
        FluorescenceGTParams(signal_snr=-1)


def _crowded_field(nuclei: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """One widefield Hoechst section of touching nuclei covering about 60 % of the field, under
    illumination that falls off by a third across it, with a few saturated pixels."""
    size = 128
    yy, xx = np.mgrid[:size, :size]
    centres = [(y, x) for y in range(16, size - 12, 16) for x in range(16, size - 12, 16)]
    stained = np.zeros((size, size), bool)
    for y, x in centres:
        stained |= (yy - y) ** 2 + (xx - x) ** 2 < 9**2
    illumination = 1.0 - 0.33 * xx / size
    stack = 100.0 + (900.0 * stained if nuclei else 0.0)
    stack = stack * illumination + np.random.default_rng(2).normal(0, 5, stained.shape)
    if nuclei:
        stack[40:42, 40:42] = 4095.0
    return stack, stained


def test_a_crowded_field_whose_nuclei_cover_most_of_it_shows_signal() -> None:
    stack, stained = _crowded_field()
    assert stained.mean() > 0.5  # the section's median lies inside the nuclei
    masks, info = fluorescence_ground_truth(stack)

    assert masks.any()
    assert info["signal"] == [True]
    assert info["quality"] == [None]
    # The background and its noise are read from the dark pixels between the nuclei.
    smoothed = ndi.gaussian_filter(stack, 1.0)
    gap = np.median(smoothed[~ndi.binary_dilation(stained, iterations=3)])
    stain = np.median(smoothed[ndi.binary_erosion(stained, iterations=3)])
    assert abs(info["stain_levels"]["background"] - gap) < 0.1 * (stain - gap)
    assert info["stain_levels"]["noise"] < 50  # the illumination spreads it, the nuclei do not


def test_the_same_field_without_nuclei_shows_no_signal() -> None:
    stack, _ = _crowded_field(nuclei=False)
    masks, info = fluorescence_ground_truth(stack, FluorescenceGTParams(scope="section"))
    assert info["signal"] == [False]


def test_only_the_nuclei_the_border_cuts_are_removed_from_a_crowded_cluster() -> None:
    # A row of five touching nuclei whose first one is cut by the left border, and a lone
    # nucleus cut by the right border.
    size = 96
    yy, xx = np.mgrid[:size, :size]
    nuclei = [(40, 4), (40, 20), (40, 36), (40, 52), (40, 68), (75, 92)]
    stained = np.zeros((size, size), bool)
    for y, x in nuclei:
        stained |= (yy - y) ** 2 + (xx - x) ** 2 < 9**2
    stack = 100.0 + 900.0 * stained + np.random.default_rng(3).normal(0, 5, stained.shape)

    mask, _ = fluorescence_ground_truth(stack, FluorescenceGTParams(smoothing_sigma=0.0))

    def disk(y, x):
        return (yy - y) ** 2 + (xx - x) ** 2 < 9**2

    assert not (mask & disk(40, 4)).any()  # cut by the border
    assert not (mask & disk(75, 92)).any()
    for y, x in nuclei[2:5]:  # the cluster's inner nuclei stay whole
        assert mask[disk(y, x)].mean() > 0.95
    assert label(mask, connectivity=1).max() == 1  # still one touching cluster
