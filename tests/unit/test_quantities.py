"""Per-nucleus volume, surface area, mean RI and concentration (paper 001)."""

from __future__ import annotations

import numpy as np
import pytest

from inference.ml.quantities import nucleus_quantities, surface_area_um2

SPACING = (0.195, 0.098, 0.098)  # Tomocube HT-2H voxel, z twice as coarse as x/y


def _ball(radius_um: float, spacing=SPACING, offset=(0.0, 0.0, 0.0)) -> np.ndarray:
    half = [int(np.ceil(radius_um / s)) + 4 for s in spacing]
    z, y, x = np.ogrid[-half[0] : half[0] + 1, -half[1] : half[1] + 1, -half[2] : half[2] + 1]
    return (
        ((z - offset[0]) * spacing[0]) ** 2
        + ((y - offset[1]) * spacing[1]) ** 2
        + ((x - offset[2]) * spacing[2]) ** 2
    ) <= radius_um**2


@pytest.mark.parametrize("radius_um", [1.5, 3.0])
def test_ball_volume_and_surface_with_anisotropic_voxels(radius_um: float) -> None:
    ball = _ball(radius_um)  # radius 7.7-15.4 voxels in z, 15.3-30.6 in y/x
    ri = np.full(ball.shape, 1.36)
    [nucleus] = nucleus_quantities(ball, ri, SPACING)
    volume = 4 / 3 * np.pi * radius_um**3
    area = 4 * np.pi * radius_um**2
    assert nucleus["volume_um3"] == pytest.approx(volume, rel=0.03)
    assert nucleus["surface_area_um2"] == pytest.approx(area, rel=0.08)
    assert nucleus["voxel_count"] == int(ball.sum())
    centre = [(n - 1) / 2 for n in ball.shape]
    np.testing.assert_allclose(nucleus["centroid"], centre, atol=1e-6)
    np.testing.assert_allclose(nucleus["centroid_um"], np.multiply(centre, SPACING), atol=1e-6)


def test_staircase_mesh_overestimates_which_is_why_the_mask_is_smoothed() -> None:
    ball = _ball(2.0)
    area = 4 * np.pi * 2.0**2
    raw = surface_area_um2(ball, SPACING, smooth_sigma=0)
    smoothed = surface_area_um2(ball, SPACING)
    assert raw > 1.08 * area
    assert abs(smoothed / area - 1) < 0.03


def test_concentration_on_constant_ri() -> None:
    ball = _ball(1.0)
    ri = np.full(ball.shape, 1.3717)
    [nucleus] = nucleus_quantities(ball, ri, SPACING)
    assert nucleus["mean_ri"] == pytest.approx(1.3717)
    # (1.3717 - 1.3337) / 0.19 = 0.2 g/mL = 0.2 pg/µm³
    assert nucleus["concentration_pg_per_um3"] == pytest.approx(0.2)
    [custom] = nucleus_quantities(ball, ri, SPACING, n0=1.3337, rii=0.135)
    assert custom["concentration_pg_per_um3"] == pytest.approx(0.038 / 0.135)


def test_each_connected_nucleus_gets_its_own_mean_ri() -> None:
    volume = np.zeros((12, 30, 30), dtype=bool)
    volume[2:8, 2:10, 2:10] = True
    volume[2:8, 18:28, 18:28] = True
    ri = np.full(volume.shape, 1.3337)
    ri[:, :15, :15] = 1.3527  # first nucleus region
    ri[:, 15:, 15:] = 1.3717
    first, second = nucleus_quantities(volume, ri, (1.0, 1.0, 1.0))
    assert (first["label"], second["label"]) == (1, 2)
    assert first["volume_um3"] == pytest.approx(6 * 8 * 8)
    assert second["volume_um3"] == pytest.approx(6 * 10 * 10)
    assert first["concentration_pg_per_um3"] == pytest.approx(0.1)
    assert second["concentration_pg_per_um3"] == pytest.approx(0.2)


def test_label_image_input_keeps_the_given_labels() -> None:
    labels = np.zeros((6, 10, 10), dtype=np.int32)
    labels[1:5, 1:4, 1:4] = 4
    labels[1:5, 5:9, 5:9] = 9
    result = nucleus_quantities(labels, np.full(labels.shape, 1.35), (1.0, 1.0, 1.0))
    assert [r["label"] for r in result] == [4, 9]


def test_integer_ri_is_rejected_with_a_hint() -> None:
    ball = _ball(1.0)
    with pytest.raises(ValueError, match="1e4"):
        nucleus_quantities(ball, np.full(ball.shape, 13600, dtype=np.uint16), SPACING)


def test_empty_mask_has_no_nucleus() -> None:
    empty = np.zeros((4, 5, 5), dtype=bool)
    assert nucleus_quantities(empty, np.full(empty.shape, 1.34), SPACING) == []
