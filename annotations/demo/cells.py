"""Synthetic holotomograms of single cells, alone or as a time-lapse.

The tomograms imitate holotomography (ODT) of single cells: an irregular
ellipsoidal cell in medium, an irregular nucleus with nucleoli, lipid droplets,
cytoplasmic texture, the z-elongating blur of the missing cone and detector
noise. A registered nuclear stain (DAPI/Hoechst-like) and the ground-truth
nucleus come with every cell, so segmentation and fluorescence-derived
ground truth can be exercised without real data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .optics import image_like_odt, refractive_increment, smooth_noise, stain
from .profiles import LAB_PROFILES, LabProfile
from .shapes import (
    Grid,
    cell_ellipsoid,
    check_shape,
    lipid_droplets,
    nucleus_ellipsoids,
    place_nucleoli,
    scaled,
    separated_level,
)

# Field of view of the default (24, 128, 128) tomogram at Tomocube HT-2H sampling;
# other shapes sample the same physical field so the cell keeps a plausible size.
_FIELD_UM = (24 * 0.195, 128 * 0.098, 128 * 0.098)


@dataclass
class SyntheticCell:
    """One synthetic tomogram with its registered stain and ground truth."""

    ri: np.ndarray
    dapi: np.ndarray
    nucleus: np.ndarray
    voxel_size: tuple[float, float, float]
    lab: str
    dark_nucleus: bool
    cell: np.ndarray | None = None  # bool (z, y, x) ground-truth cell body


def make_cell(
    *,
    seed: int,
    shape: tuple[int, int, int] = (24, 128, 128),
    lab: Literal["A", "B"] = "A",
    dark_nucleus: bool = False,
    n_nuclei: int = 1,
    time_point: int = 0,
    growth: float = 0.0,
) -> SyntheticCell:
    """A synthetic RI tomogram with a registered nuclear stain and the true nucleus.

    The same ``seed`` gives the same cell; ``time_point`` changes the noise and
    drifts the nucleus, ``growth`` enlarges it (0.1 = 10 % larger radii).
    ``dark_nucleus`` makes the nucleus less refractive than the cytoplasm
    (as in HL60 cells).
    """
    shape = check_shape(shape, 3)
    profile = _profile(lab)
    if not 1 <= n_nuclei <= 4:
        raise ValueError(f"n_nuclei must be between 1 and 4; got {n_nuclei}.")
    if time_point < 0 or growth <= -0.5:
        raise ValueError("time_point must be >= 0 and growth > -0.5.")
    geometry = np.random.default_rng([seed, 0])
    noise_rng = np.random.default_rng([seed, 1, time_point])
    voxel = tuple(f / n for f, n in zip(_FIELD_UM, shape))
    grid = Grid(shape, voxel)

    cell_shape = cell_ellipsoid(grid, geometry)
    boundary_noise = np.clip(smooth_noise(geometry, shape, grid, 1.8), -2.0, 2.0)
    cell = grid.level(cell_shape) < 1.0 + 0.22 * boundary_noise
    inner = grid.level(scaled(cell_shape, 0.78)) < 1.0
    nuclei = nucleus_ellipsoids(cell_shape, geometry, n_nuclei, time_point, growth)
    nucleus_noise = smooth_noise(geometry, shape, grid, 1.2)
    nucleus_level = separated_level([grid.level(n) for n in nuclei]) - 0.14 * nucleus_noise
    nucleus = (nucleus_level < 1.0) & inner & cell
    nucleoli = place_nucleoli(grid, geometry, nuclei) & nucleus
    lipids = lipid_droplets(grid, geometry, cell_shape, nuclei, shape) & cell & ~nucleus

    chromatin = smooth_noise(noise_rng, shape, grid, 0.35)
    delta = refractive_increment(
        profile, dark_nucleus, cell, nucleus, nucleus_level, nucleoli, lipids, chromatin, grid
    )
    delta += profile.texture * smooth_noise(noise_rng, shape, grid, 0.3) * cell
    ri = image_like_odt(delta, profile, voxel) + np.float32(profile.medium)
    ri += noise_rng.normal(0.0, profile.noise, size=shape).astype(np.float32)

    dapi = stain(profile, nucleus, nucleoli, chromatin, noise_rng)
    return SyntheticCell(
        ri=ri.astype(np.float32, copy=False),
        dapi=dapi,
        nucleus=nucleus,
        voxel_size=(round(voxel[0], 5), round(voxel[1], 5), round(voxel[2], 5)),
        lab=lab,
        dark_nucleus=dark_nucleus,
        cell=cell,
    )


def make_time_series(
    *,
    seed: int,
    n_time_points: int = 4,
    shape: tuple[int, int, int] = (24, 128, 128),
    lab: Literal["A", "B"] = "A",
    dark_nucleus: bool = False,
    growth_per_step: float = 0.03,
) -> list[SyntheticCell]:
    """The same cell imaged repeatedly while its nucleus slowly grows and drifts."""
    if n_time_points < 1:
        raise ValueError(f"n_time_points must be at least 1; got {n_time_points}.")
    return [
        make_cell(
            seed=seed,
            shape=shape,
            lab=lab,
            dark_nucleus=dark_nucleus,
            time_point=t,
            growth=growth_per_step * t,
        )
        for t in range(n_time_points)
    ]


def _profile(lab: str) -> LabProfile:
    try:
        return LAB_PROFILES[lab]
    except KeyError:
        raise ValueError(f"Unknown lab '{lab}'; choose one of {', '.join(LAB_PROFILES)}.") from None
