"""Sphere surface error vs analytic on isotropic and z-coarse voxels.

Run: PYTHONPATH=. .venv/bin/python bench/quantities_anisotropy.py
"""

import numpy as np

from inference.ml.quantities import surface_area_um2


def sphere(radius_um, voxel_zyx):
    n = [int(np.ceil(1.3 * radius_um / v)) for v in voxel_zyx]
    z, y, x = (np.arange(-k, k + 1) * v for k, v in zip(n, voxel_zyx))
    return (z[:, None, None] ** 2 + y[None, :, None] ** 2 + x[None, None, :] ** 2) <= radius_um**2


for radius in (1.5, 3.0):
    analytic = 4 * np.pi * radius**2
    for voxel in ((0.16, 0.16, 0.16), (0.32, 0.16, 0.16), (0.64, 0.16, 0.16)):
        error = 100 * (surface_area_um2(sphere(radius, voxel), voxel) - analytic) / analytic
        name = f"sphere_r{radius}um_z{voxel[0]}_surface_error"
        print(f"figure: {name} = {error:.2f} %")
