"""Surface area of a sphere against the analytic 4πr², on isotropic and z-coarse voxels.

Real ODT tomograms sample z 2-4 times coarser than y and x. ``surface_area_um2`` smooths the mask
before marching cubes with a sigma counted in voxels, so the smoothing is wider in µm along a
coarse z: small nuclei lose surface as z coarsens. Prints the signed error in percent.

Run: .venv/bin/python bench/quantities_anisotropy.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, ensure_malloc_env, figure

sys.path.insert(0, str(REPO_ROOT))
ensure_malloc_env()

import numpy as np  # noqa: E402

from inference.ml.quantities import surface_area_um2  # noqa: E402

RADII_UM = (1.5, 3.0)
VOXELS_ZYX_UM = ((0.16, 0.16, 0.16), (0.32, 0.16, 0.16), (0.64, 0.16, 0.16))


def sphere(radius_um: float, voxel_zyx: tuple[float, float, float]) -> np.ndarray:
    """A ball of ``radius_um`` sampled on a grid of ``voxel_zyx`` µm, centred on a voxel."""
    n = [int(np.ceil(1.3 * radius_um / v)) for v in voxel_zyx]
    z, y, x = (np.arange(-k, k + 1) * v for k, v in zip(n, voxel_zyx, strict=True))
    return (z[:, None, None] ** 2 + y[None, :, None] ** 2 + x[None, None, :] ** 2) <= radius_um**2


def main() -> None:
    for radius in RADII_UM:
        analytic = 4 * np.pi * radius**2
        for voxel in VOXELS_ZYX_UM:
            error = 100 * (surface_area_um2(sphere(radius, voxel), voxel) - analytic) / analytic
            figure(f"sphere_r{radius}um_z{voxel[0]}um_surface_error", round(error, 2), "%")


if __name__ == "__main__":
    main()
