"""Per-class quantities of every cell in an RI tomogram (paper 001): organelle volume, object
counts (nucleoli, lipid droplets), object volume, mean RI and concentration.

Paper 001 measures each organelle mask against the RI tomogram: "Volume was computed by
multiplying the total number of voxels in the segmentation masks and the volume of the 3D QPI
image", and Concentration = (mean RI − n0) / RII, "the RII is a constant set as 0.135 for the
lipid droplet and as 0.19 for the remaining organelles" (mL/g; the result is in g/mL, the same
number in pg/µm³). Each class here carries its own RII.

How every number is aggregated, per (cell, class):

- ``voxel_count`` / ``volume_um3``: all voxels of the class inside the cell (× the voxel volume);
- ``count``: the class's objects in the cell: 26-connected components of its voxels, or, when an
  instance map is given, the distinct instances (touching droplets then count apart);
- ``mean_object_volume_um3``: ``volume_um3 / count``;
- ``mean_ri``: the mean RI over all the class's voxels in the cell (not a mean of object means);
- ``concentration_pg_per_um3``: ``(mean_ri − n0) / rii``.

A class absent from a cell gets a row with zero volume and count and None for the RI-derived
numbers, so a table of cells × classes has no holes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from skimage.measure import label as connected_label

from .quantities import DEFAULT_N0

__all__ = ["LIPID_RII", "PROTEIN_RII", "QuantityClass", "class_quantities"]

PROTEIN_RII = 0.19  # mL/g, paper 001's value for every organelle but lipid droplets
LIPID_RII = 0.135  # mL/g, lipid droplets


@dataclass(frozen=True)
class QuantityClass:
    """A class to measure: its value in the class map, its name and its RII in mL/g."""

    value: int
    name: str
    rii: float = PROTEIN_RII

    def __post_init__(self) -> None:
        if not 1 <= self.value <= 255:
            raise ValueError(f"class values are 1-255, got {self.value} for {self.name!r}")
        if self.rii <= 0:
            raise ValueError(f"the RII of {self.name!r} must be > 0 mL/g, got {self.rii}")


def _checked(class_map, ri_volume, voxel_size_zyx, cells, instances):
    classes = np.asarray(class_map)
    ri = np.asarray(ri_volume)
    if classes.ndim != 3 or classes.dtype.kind not in "iu":
        raise ValueError(f"class_map must be a 3D integer array (z, y, x), got {classes.shape}")
    if not np.issubdtype(ri.dtype, np.floating):
        raise ValueError(
            f"ri_volume must hold refractive indices as floats, got {ri.dtype}; "
            "convert stored integers first (e.g. uint16 RI x 10^4 -> value / 1e4)"
        )
    for name, array in (("ri_volume", ri), ("cells", cells), ("instances", instances)):
        if array is not None and np.shape(array) != classes.shape:
            raise ValueError(
                f"{name} shape {np.shape(array)} differs from class_map {classes.shape}"
            )
    spacing = tuple(float(v) for v in voxel_size_zyx)
    if len(spacing) != 3 or any(v <= 0 for v in spacing):
        raise ValueError(f"voxel_size_zyx must be three positive numbers, got {voxel_size_zyx}")
    return classes, ri, float(np.prod(spacing))


def class_quantities(
    class_map: np.ndarray,
    ri_volume: np.ndarray,
    voxel_size_zyx: Sequence[float],
    classes: Sequence[QuantityClass],
    *,
    cells: np.ndarray | None = None,
    instances: np.ndarray | None = None,
    n0: float = DEFAULT_N0,
) -> list[dict[str, Any]]:
    """One row per cell and class (see the module docstring for every number).

    ``cells`` labels each cell (0 = outside every cell; voxels there are not counted); without it
    the whole volume is one cell, reported as cell ``None``. ``instances`` (optional) numbers
    the objects of instance classes.
    """
    values, ri, voxel_um3 = _checked(class_map, ri_volume, voxel_size_zyx, cells, instances)
    cell_ids = np.ones(values.shape, np.int64) if cells is None else np.asarray(cells, np.int64)
    if cell_ids.min(initial=0) < 0:
        raise ValueError("cell labels must not be negative")
    reported = [None] if cells is None else [int(c) for c in np.unique(cell_ids) if c > 0]
    n_cells = int(cell_ids.max(initial=0)) + 1
    rows: list[dict[str, Any]] = []
    for cls in classes:
        mask = (values == cls.value) & (cell_ids > 0)
        owner = cell_ids[mask]
        voxels = np.bincount(owner, minlength=n_cells)
        ri_sum = np.bincount(owner, weights=ri[mask].astype(np.float64), minlength=n_cells)
        counts = _object_counts(mask, cell_ids, instances, n_cells)
        for cell in reported:
            index = 1 if cell is None else cell
            n_voxels, n_objects = int(voxels[index]), int(counts[index])
            mean_ri = float(ri_sum[index] / n_voxels) if n_voxels else None
            rows.append(
                {
                    "cell": cell,
                    "class": cls.value,
                    "name": cls.name,
                    "voxel_count": n_voxels,
                    "volume_um3": n_voxels * voxel_um3,
                    "count": n_objects,
                    "mean_object_volume_um3": n_voxels * voxel_um3 / n_objects
                    if n_objects
                    else None,
                    "mean_ri": mean_ri,
                    "concentration_pg_per_um3": None
                    if mean_ri is None
                    else (mean_ri - n0) / cls.rii,
                }
            )
    return rows


def _object_counts(
    mask: np.ndarray, cell_ids: np.ndarray, instances: np.ndarray | None, n_cells: int
) -> np.ndarray:
    """Number of objects of one class in each cell (index = cell id)."""
    if not mask.any():
        return np.zeros(n_cells, dtype=np.int64)
    if instances is not None:
        pairs = np.unique(np.stack([cell_ids[mask], np.asarray(instances)[mask]]), axis=1)
        pairs = pairs[:, pairs[1] > 0]
        return np.bincount(pairs[0], minlength=n_cells)
    # Components of equal cell id: an object crossing two cells counts once in each.
    objects = connected_label(np.where(mask, cell_ids, 0), background=0, connectivity=3)
    first_voxel = np.unique(objects[mask], return_index=True)[1]
    return np.bincount(cell_ids[mask][first_voxel], minlength=n_cells)
