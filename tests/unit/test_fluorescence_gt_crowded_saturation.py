"""A crowded widefield Hoechst field whose few mitotic nuclei saturate the camera: the derived
mask must hold the crowded nuclei, not the saturated ones alone (inference/ml/stain_otsu.py,
inference/ml/stain_signal.py: camera_noise, docs/fluorescence.md "A saturated nucleus")."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi

from annotations.demo.widefield import widefield_field
from inference.ml.fluorescence import fluorescence_ground_truth
from inference.ml.metrics import dice
from inference.ml.stain_signal import camera_noise

SATURATED = {"crowded": True, "mitotic_gain": 40.0}  # 40 × 150 counts: past 4095


def _nuclei_held(mask: np.ndarray, field) -> float:
    """The fraction of the known nuclei that the mask covers over half of."""
    ids = np.unique(field.nuclei[field.known])
    return float(np.mean(ndi.mean(mask, labels=field.nuclei, index=ids) > 0.5))


@pytest.mark.parametrize(
    "variant",
    [
        SATURATED,
        {**SATURATED, "gradient": 6.0},
        {**SATURATED, "gain": 16.0, "full_scale": 65535.0},
        {**SATURATED, "full_scale": 65535.0, "ceiling": 4000.0},
        {**SATURATED, "debris": 30},
        {"crowded": True, "full_scale": 65535.0},  # mitotic nuclei bright, not saturated
    ],
    ids=["12bit", "strong-gradient", "16bit", "ceiling-4000-in-16bit", "debris", "unsaturated"],
)
def test_a_crowded_field_keeps_its_nuclei_beside_saturated_mitotic_ones(variant) -> None:
    field = widefield_field(**variant)
    mask, info = fluorescence_ground_truth(field.stain)
    # Before: the five mitotic nuclei alone (Dice 0.004).
    assert dice(mask, field.known) > 0.9
    assert _nuclei_held(mask, field) > 0.85
    assert info["quality"] == [None]


def test_a_crowded_field_without_haze_keeps_its_nuclei_beside_saturated_ones() -> None:
    """Without haze the threshold found beside the plateau still stands below the noise
    floor of the field's darkest pixels; its upper class and the nuclei free of the plateau
    say that the rest holds nuclei."""
    field = widefield_field(**SATURATED, haze=0.0)
    mask, info = fluorescence_ground_truth(field.stain)
    assert info["saturated_pixels"] > 1000
    assert dice(mask, field.known) > 0.9
    assert _nuclei_held(mask, field) > 0.85


def test_the_camera_noise_is_read_from_neighbouring_pixels_whatever_the_haze() -> None:
    rng = np.random.default_rng(2)
    noise = rng.normal(0, 10.0, (300, 300))
    yy, xx = np.mgrid[:300, :300]
    haze = 400.0 * np.exp(-((yy - 150.0) ** 2 + (xx - 150.0) ** 2) / (2 * 60.0**2)) + xx
    assert camera_noise(100.0 + noise) == pytest.approx(10.0, rel=0.05)
    assert camera_noise(100.0 + haze + noise) == pytest.approx(10.0, rel=0.05)
    smoothed = ndi.gaussian_filter(noise, 1.0)
    assert camera_noise(noise, 1.0) == pytest.approx(float(smoothed.std()), rel=0.1)


def test_hot_pixels_at_full_scale_are_not_counted_as_saturated() -> None:
    """40 hot pixels at 4095 stood for 40 saturated pixels on the section's page."""
    field = widefield_field(crowded=True, mitotic=0)
    assert (field.stain == 4095).sum() >= 16
    _, info = fluorescence_ground_truth(field.stain)
    assert info["saturated_pixels"] == 0
    saturated = widefield_field(**SATURATED)
    _, info = fluorescence_ground_truth(saturated.stain)
    hot = (saturated.stain == 4095) & (ndi.uniform_filter((saturated.stain == 4095) * 9.0) < 1.5)
    assert info["saturated_pixels"] == int((saturated.stain == 4095).sum() - hot.sum())
