"""Sphericity of small nuclei: the smoothed surface mesh shrinks a nucleus of a few voxels, so
its area is set against the mesh's own volume and the sphericity never passes 1."""

from __future__ import annotations

import numpy as np
import pytest

from inference.ml.nucleus_quantities import nuclei_table
from inference.ml.quantities import surface_mesh

SPACING = (0.5, 0.2, 0.2)  # coarse z, as in a time-lapse tomogram


def ellipsoid(radii_voxels) -> np.ndarray:
    half = [int(np.ceil(r)) + 2 for r in radii_voxels]
    z, y, x = np.ogrid[-half[0] : half[0] + 1, -half[1] : half[1] + 1, -half[2] : half[2] + 1]
    return (z / radii_voxels[0]) ** 2 + (y / radii_voxels[1]) ** 2 + (x / radii_voxels[2]) ** 2 <= 1


@pytest.mark.parametrize(
    "radii", [(2, 5, 5), (3, 6, 6.5), (3, 7.5, 7.5), (4, 10, 10), (1.5, 3, 3), (5, 12, 9)]
)
def test_a_small_nucleus_is_never_more_than_a_sphere(radii) -> None:
    mask = ellipsoid(radii)
    ri = np.full(mask.shape, 1.35, dtype=np.float32)
    [row] = nuclei_table(mask.astype(np.int32), ri, SPACING)
    assert 0.0 < row["sphericity"] <= 1.0
    if radii[1] == radii[2] and radii[0] * SPACING[0] == radii[1] * SPACING[1]:
        assert row["sphericity"] > 0.9  # a ball of a few voxels is still round
    # The volume column is still the voxel count's.
    assert row["volume_um3"] == pytest.approx(mask.sum() * np.prod(SPACING))


def test_the_mesh_volume_is_the_volume_the_mesh_encloses() -> None:
    box = np.zeros((6, 10, 12), dtype=bool)
    box[1:5, 2:8, 3:9] = True  # 4 × 6 × 6 voxels
    area, volume = surface_mesh(box, SPACING, smooth_sigma=0)
    # The staircase mesh at level 0.5 cuts every corner voxel's outer half: within a voxel layer.
    assert 0.5 * box.sum() * np.prod(SPACING) < volume <= box.sum() * np.prod(SPACING)
    assert area > 0
