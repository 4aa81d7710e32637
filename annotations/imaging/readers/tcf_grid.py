"""Where a Tomocube stain stack lies on the tomogram: the tomogram's grid from ``/Data/3D``, the
stain's voxel size and z offset from its attributes, the resampling onto the tomogram
(``fl_grid.FlGrid``) and the words that say what it covers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import h5py
import numpy as np

from .fl_grid import FlGrid, Grid, describe
from .request import VoxelSize
from .select import natural_key
from .tcf_time import attr_number

__all__ = [
    "coverage_note",
    "fl_on_ri_grid",
    "registered_reader",
    "tcf_ri_grid",
    "tcf_voxel_size",
    "voxel_size_from_tcf_attrs",
]


def _attr_float(attrs: Any, key: str) -> float | None:
    """A positive number attribute (a size, a resolution), else None."""
    value = attr_number(attrs, key)
    return value if value is not None and value > 0 else None


def voxel_size_from_tcf_attrs(attrs: Any) -> VoxelSize | None:
    z, y, x = (_attr_float(attrs, f"Resolution{a}") for a in "ZYX")
    return (z, y, x) if z and y and x else None


def tcf_voxel_size(group: h5py.Group, attrs: Any = None) -> VoxelSize | None:
    """The voxel size of a TCF group's volumes: from ``attrs`` (default: the group's), else from
    its first volume's own attributes, else from the groups above it (``/Data``, the root), where
    some writers put ``ResolutionX/Y/Z``."""
    found = voxel_size_from_tcf_attrs(group.attrs if attrs is None else attrs)
    first = next((group[n] for n in sorted(group, key=natural_key)), None)
    if found is None and isinstance(first, h5py.Dataset):
        found = voxel_size_from_tcf_attrs(first.attrs)
    above = group.parent if group.name != "/" else None
    while found is None and above is not None:
        found = voxel_size_from_tcf_attrs(above.attrs)
        above = above.parent if above.name != "/" else None
    return found


def tcf_ri_grid(f: h5py.File) -> Grid | None:
    """The tomogram's grid (shape of its first time point, voxel size from ``/Data/3D``)."""
    group = f.get("Data/3D")
    if not isinstance(group, h5py.Group):
        return None
    voxel = tcf_voxel_size(group)
    first = next(
        (
            group[n]
            for n in sorted(group, key=natural_key)
            if isinstance(group.get(n), h5py.Dataset)
        ),
        None,
    )
    if voxel is None or first is None or first.ndim != 3:
        return None
    return (tuple(int(n) for n in first.shape), voxel)  # type: ignore[return-value]


def fl_on_ri_grid(
    shape: tuple[int, ...], fl_voxel: VoxelSize | None, attrs: Any, ri_grid: Grid | None
) -> FlGrid | None:
    """How a stain stack maps onto the tomogram, or None when it needs no resampling (or the
    file does not say enough to do it: then the stacks must match section by section)."""
    if ri_grid is None or fl_voxel is None or len(shape) != 3:
        return None
    # A stack that contradicts its own header (SizeX/Y/Z) is not placed by that header.
    header = tuple(_attr_float(attrs, f"Size{axis}") for axis in "ZYX")
    if all(header) and header != tuple(float(n) for n in shape):
        return None
    # A stain stack centred on the tomogram's lowest plane would be half outside it: a zero
    # offset is taken as "not recorded", like a missing one (centred on the tomogram).
    offset = (attr_number(attrs, "OffsetZ") or 0.0) + (
        attr_number(attrs, "OffsetZCompensation") or 0.0
    ) or None
    grid = FlGrid(
        fl_shape=(shape[0], shape[1], shape[2]),
        fl_voxel=fl_voxel,
        ri_shape=ri_grid[0],
        ri_voxel=ri_grid[1],
        z_centre_um=offset,
    )
    return None if grid.identical else grid


def registered_reader(read: Callable[[], np.ndarray], grid: FlGrid) -> Callable[[], np.ndarray]:
    def registered() -> np.ndarray:
        fl = np.asarray(read(), dtype=np.float32)
        background = float(np.median(fl[:, ::4, ::4]))
        return grid.resample(fl, fill=background)

    return registered


def coverage_note(grid: FlGrid, channel: str) -> str:
    what = f"Fluorescence {channel}".strip()
    stain = describe((grid.fl_shape, grid.fl_voxel))
    tomogram = describe((grid.ri_shape, grid.ri_voxel))
    covered = grid.covered
    if covered is None:
        return (
            f"{what} ({stain}) lies outside the tomogram's z range ({tomogram}); "
            "no section has its stain."
        )
    first, last = covered
    text = f"{what} ({stain}) was resampled onto the tomogram's grid ({tomogram})"
    if (first, last) == (0, grid.ri_shape[0] - 1):
        return text + "."
    return (
        text + f"; it covers sections {first}–{last} only: the other sections hold no stain image "
        "and get no fluorescence ground truth."
    )
