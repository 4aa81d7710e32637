"""A synthetic 2D bright-field image of one unstained cell and its nucleus mask."""

from __future__ import annotations

import math

import numpy as np

from .optics import defocused_intensity, smooth_noise
from .shapes import Ellipsoid, Grid, check_shape, nucleus_ellipsoids, place_nucleoli, scaled


def make_brightfield(
    *, seed: int, shape: tuple[int, int] = (256, 256)
) -> tuple[np.ndarray, np.ndarray]:
    """A 2D bright-field-like image (float32, about 0-1) of one cell and its nucleus mask.

    Contrast comes mostly from slight defocus of a transparent cell (halo at
    edges, faint nuclear outline, dark nucleoli and granules), as in real
    bright-field micrographs of unstained cells.
    """
    shape = check_shape(shape, 2)
    rng = np.random.default_rng([seed, 2])
    field = 40.0
    grid = Grid(shape, (field / max(shape), field / max(shape)))
    cell_shape = Ellipsoid(
        (0.0, *(rng.uniform(-0.06, 0.06, 2) * field)),
        (1.0, *(rng.uniform(0.26, 0.32, 2) * field)),
        float(rng.uniform(0, math.pi)),
    )
    cell_level = grid.level(cell_shape) - 0.2 * smooth_noise(rng, shape, grid, 4.0)
    cell = cell_level < 1.0
    (nucleus_shape,) = nucleus_ellipsoids(cell_shape, rng, 1, 0, 0.0)
    nucleus_level = grid.level(nucleus_shape) - 0.12 * smooth_noise(rng, shape, grid, 2.5)
    nucleus = (nucleus_level < 1.0) & (grid.level(scaled(cell_shape, 0.8)) < 1.0)
    thickness = np.sqrt(np.clip(1.0 - cell_level, 0.0, None)) * cell
    phase = 1.0 * thickness + 0.45 * nucleus * np.sqrt(np.clip(1.0 - nucleus_level, 0.0, None))
    granules = smooth_noise(rng, shape, grid, 0.25)
    phase += 0.12 * np.clip(granules - 1.5, 0.0, None) * (cell & ~nucleus)
    nucleoli = place_nucleoli(grid, rng, [nucleus_shape]) & nucleus
    phase += 0.25 * nucleoli
    cytoplasm = cell & ~nucleus
    absorption = (
        0.04 * thickness + 0.06 * nucleoli + 0.05 * np.clip(granules - 1.8, 0, None) * cytoplasm
    )
    image = defocused_intensity(phase.astype(np.float32), absorption, rng, grid)
    return image, nucleus
