"""Fluorescence (DAPI/Hoechst) ground truth: Otsu per section or per volume, fixed threshold."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage.filters import threshold_otsu

from inference.ml.fluorescence import FluorescenceGTParams, fluorescence_ground_truth
from inference.ml.metrics import dice

SIZE = 96


def _stain_stack(seed: int = 0, n_z: int = 9) -> tuple[np.ndarray, np.ndarray]:
    """A blurred ellipsoidal nucleus in sections 2..6 over camera background and noise;
    sections 0, 1, 7, 8 hold background only."""
    rng = np.random.default_rng(seed)
    zz, yy, xx = np.mgrid[:n_z, :SIZE, :SIZE]
    nucleus = ((zz - 4) / 2.5) ** 2 + ((yy - 48) / 25) ** 2 + ((xx - 45) / 20) ** 2 <= 1
    signal = ndi.gaussian_filter(nucleus.astype(float), (0, 1.5, 1.5)) * 900
    stack = 100 + signal + rng.normal(0, 12, nucleus.shape)
    return stack.astype(np.float32), nucleus


def test_otsu_per_section_recovers_the_nucleus() -> None:
    stack, nucleus = _stain_stack()
    params = FluorescenceGTParams(scope="section")
    masks, info = fluorescence_ground_truth(stack, params)
    assert masks.shape == stack.shape and masks.dtype == np.bool_
    for z in range(2, 7):
        assert dice(masks[z], nucleus[z]) > 0.9, z
    assert len(info["thresholds"]) == stack.shape[0]
    assert info["volume_threshold"] is None
    assert info["params"] == params.to_dict()


def test_default_scope_is_one_threshold_per_volume() -> None:
    # Sections above and below the nucleus hold only camera noise; a per-section Otsu would
    # segment that noise, so the default thresholds the whole stack once.
    stack, nucleus = _stain_stack()
    masks, info = fluorescence_ground_truth(stack)
    assert info["volume_threshold"] is not None
    for z in range(2, 7):
        assert dice(masks[z], nucleus[z]) > 0.9, z


def test_volume_scope_uses_one_threshold_and_leaves_background_sections_empty() -> None:
    stack, nucleus = _stain_stack(1)
    masks, info = fluorescence_ground_truth(stack, FluorescenceGTParams(scope="volume"))
    threshold = info["volume_threshold"]
    assert threshold is not None
    assert all(t == threshold for t in info["thresholds"])
    # Equal to Otsu of all smoothed sections pooled (computed here the memory-hungry way).
    pooled = np.concatenate([ndi.gaussian_filter(s.astype(np.float64), 1.0).ravel() for s in stack])
    assert threshold == pytest.approx(threshold_otsu(pooled))
    for z in range(2, 7):
        assert dice(masks[z], nucleus[z]) > 0.9, z
    assert {0, 1, 7, 8} <= set(info["empty_sections"])


def test_fixed_threshold_is_applied_to_the_smoothed_section() -> None:
    stack, nucleus = _stain_stack(2)
    params = FluorescenceGTParams(method="fixed", value=400.0, min_size=0, remove_border=False)
    masks, info = fluorescence_ground_truth(stack, params)
    assert info["volume_threshold"] == 400.0
    assert info["thresholds"] == [400.0] * stack.shape[0]
    expected = ndi.binary_fill_holes(ndi.gaussian_filter(stack[4].astype(np.float64), 1.0) > 400)
    np.testing.assert_array_equal(masks[4], expected)
    assert dice(masks[4], nucleus[4]) > 0.9


def test_section_without_signal_gives_an_empty_mask_and_no_threshold() -> None:
    stack, _ = _stain_stack(3)
    stack[0] = 100.0  # constant: no signal at all
    masks, info = fluorescence_ground_truth(stack)
    assert not masks[0].any()
    assert info["thresholds"][0] is None
    assert 0 in info["empty_sections"]
    assert masks[4].any()


def test_single_section_input_returns_a_2d_mask() -> None:
    stack, nucleus = _stain_stack(4)
    mask, info = fluorescence_ground_truth(stack[4])
    assert mask.shape == (SIZE, SIZE)
    assert dice(mask, nucleus[4]) > 0.9
    assert len(info["thresholds"]) == 1


def test_remove_border_drops_stain_touching_the_edge() -> None:
    stack, _ = _stain_stack(5)
    stack[:, :12, :12] += 900  # a stained neighbour cut by the field of view
    with_border = fluorescence_ground_truth(stack, FluorescenceGTParams(remove_border=False))[0]
    without = fluorescence_ground_truth(stack)[0]
    assert with_border[4, :5, :5].all()
    assert not without[4, :12, :12].any()


def test_parameter_validation() -> None:
    with pytest.raises(ValueError, match="requires a threshold value"):
        FluorescenceGTParams(method="fixed")
    with pytest.raises(ValueError, match="scope"):
        FluorescenceGTParams(scope="stack")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="method"):
        FluorescenceGTParams(method="triangle")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="smoothing_sigma"):
        FluorescenceGTParams(smoothing_sigma=-1)
    with pytest.raises(ValueError, match="NaN"):
        fluorescence_ground_truth(np.full((8, 8), np.nan))
