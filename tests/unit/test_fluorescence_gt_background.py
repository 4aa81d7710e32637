"""A widefield Hoechst field as microscopes give it: a background three times brighter at one
corner than at the other, and a few mitotic nuclei twenty times brighter than the rest. The
derived mask must hold the nuclei, not the bright corner nor the mitotic nuclei alone
(inference/ml/stain_background.py, inference/ml/stain_otsu.py, docs/fluorescence.md)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi

from inference.ml.fluorescence import FluorescenceGTParams, fluorescence_ground_truth
from inference.ml.metrics import dice
from inference.ml.stain_background import background_surface

SHAPE = (416, 544)


def _field(*, gradient: float, mitotic: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Six rows of eight nuclei (radius 11 px) away from the border, 12-bit counts; the first
    ``mitotic`` nuclei 20 times brighter and smaller; hot pixels at the camera's full scale."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[: SHAPE[0], : SHAPE[1]]
    nuclei = np.zeros(SHAPE, dtype=bool)
    brightness = np.zeros(SHAPE)
    k = 0
    for row in np.linspace(40, SHAPE[0] - 40, 6):
        for col in np.linspace(40, SHAPE[1] - 40, 8):
            radius = 8 if k < mitotic else 11
            disk = (yy - row) ** 2 + (xx - col) ** 2 < radius**2
            nuclei |= disk
            brightness[disk] = 20.0 if k < mitotic else rng.uniform(0.7, 1.3)
            k += 1
    ramp = (xx / (SHAPE[1] - 1) + yy / (SHAPE[0] - 1)) / 2  # 0 at one corner, 1 at the other
    background = 150.0 * (1 + (gradient - 1) * ramp)
    stain = ndi.gaussian_filter(brightness, 1.5) * 150.0
    stain += 0.25 * ndi.gaussian_filter(brightness, 10) * 150.0  # out-of-focus haze
    counts = rng.poisson(background + stain) + rng.normal(0, 8, SHAPE)
    counts = np.clip(np.round(counts), 0, 4095)
    counts[rng.integers(0, SHAPE[0], 30), rng.integers(0, SHAPE[1], 30)] = 4095
    return counts.astype(np.float32), nuclei


@pytest.mark.parametrize(
    ("gradient", "mitotic"), [(3.0, 0), (1.0, 3), (3.0, 3)], ids=["gradient", "mitotic", "both"]
)
def test_the_nuclei_are_found_under_an_uneven_background_and_beside_bright_ones(
    gradient, mitotic
) -> None:
    stain, nuclei = _field(gradient=gradient, mitotic=mitotic)
    mask, info = fluorescence_ground_truth(stain)
    assert dice(mask, nuclei) > 0.9
    assert ndi.label(mask)[1] == 48
    assert info["quality"] == [None]


def test_without_the_corrections_the_threshold_misses_the_nuclei() -> None:
    """The method as it was (no background surface, bright nuclei deciding the threshold) is
    still there, and it fails on such a field."""
    stain, nuclei = _field(gradient=3.0, mitotic=3)
    old = FluorescenceGTParams(background_block=0, leave_out_bright=False)
    mask, _ = fluorescence_ground_truth(stain, old)
    assert dice(mask, nuclei) < 0.5


def test_a_flat_background_and_a_small_field_are_left_as_they_are() -> None:
    flat = np.random.default_rng(1).normal(300.0, 10.0, SHAPE)
    surface = background_surface(flat)
    assert surface is not None and np.ptp(surface) < 5.0  # noise only: a flat surface
    assert background_surface(flat[:256, :256]) is None  # under 3 blocks of 128 px a side


def test_a_field_without_nuclei_but_with_hot_pixels_shows_no_signal() -> None:
    """Dozens of hot pixels (a camera's, at full scale) are not the stain: no mask, no flag.
    They stood for the field's peak and flagged it 'stain signal but empty mask'."""
    rng = np.random.default_rng(4)
    empty = rng.poisson(150.0 * (1 + 2 * np.linspace(0, 1, SHAPE[1])[None, :]), SHAPE)
    empty = empty.astype(np.float32)
    empty[rng.integers(0, SHAPE[0], 60), rng.integers(0, SHAPE[1], 60)] = 4095
    mask, info = fluorescence_ground_truth(empty)
    assert not mask.any()
    assert info["signal"] == [False] and info["quality"] == [None]
    stain, _ = _field(gradient=3.0, mitotic=0)  # the same camera's hot pixels beside nuclei
    assert fluorescence_ground_truth(stain)[1]["signal"] == [True]
