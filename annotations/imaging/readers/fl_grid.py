"""A Tomocube fluorescence stack put on its refractive-index stack's grid.

The instrument images the stain with its own z step, number of sections, xy sampling and z
position (``/Data/3DFL`` attributes ``ResolutionX/Y/Z``, ``SizeX/Y/Z``, ``OffsetZ``,
``OffsetZCompensation``), so section k of the stain is in general not section k of the
tomogram. Both stacks cover the same field of view around the same optical axis; in z the stain
stack is centred at ``OffsetZ + OffsetZCompensation`` µm above the first tomogram plane, or on
the tomogram's centre when the file gives no offset (or zero: ``readers/hdf5.py``).

``FlGrid.resample`` samples the stain at the centre of every tomogram voxel: linear in z,
linear in y and x (the field's outer half pixel takes its edge value). Tomogram sections the stain stack does not reach are not invented: they
are reported (``FlGrid.covered``) and the caller decides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

# Differences below this (µm, or a fraction of a voxel) are rounding in the file's attributes.
_SAME = 1e-6
_SAME_FRACTION = 1e-3

Grid = tuple[tuple[int, int, int], tuple[float, float, float]]  # shape (z, y, x), voxel (µm)


@dataclass(frozen=True)
class FlGrid:
    """Where a stain stack lies on the tomogram's grid."""

    fl_shape: tuple[int, int, int]
    fl_voxel: tuple[float, float, float]
    ri_shape: tuple[int, int, int]
    ri_voxel: tuple[float, float, float]
    z_centre_um: float | None = None  # the stain stack's centre above the first tomogram plane

    @property
    def _z_start_um(self) -> float:
        """The lower edge of the stain stack, in µm from the lower edge of the tomogram."""
        height = self.fl_shape[0] * self.fl_voxel[0]
        centre = self.z_centre_um
        if centre is None:
            centre = self.ri_shape[0] * self.ri_voxel[0] / 2
        return centre - height / 2

    def fl_coordinates(self, axis: int) -> np.ndarray:
        """Stain voxel coordinates (fractional index) of the tomogram's voxel centres on ``axis``."""
        n_ri, v_ri = self.ri_shape[axis], self.ri_voxel[axis]
        n_fl, v_fl = self.fl_shape[axis], self.fl_voxel[axis]
        centres_um = (np.arange(n_ri) + 0.5) * v_ri
        if axis == 0:
            start = self._z_start_um
        else:  # same field of view around the same centre
            start = (n_ri * v_ri - n_fl * v_fl) / 2
        return (centres_um - start) / v_fl - 0.5

    @property
    def identical(self) -> bool:
        """True when section k of the stain already is section k of the tomogram."""
        if self.fl_shape != self.ri_shape:
            return False
        if not all(
            abs(a - b) <= max(_SAME, _SAME_FRACTION * b)
            for a, b in zip(self.fl_voxel, self.ri_voxel, strict=True)
        ):
            return False
        return abs(self._z_start_um) <= _SAME_FRACTION * self.ri_voxel[0] + _SAME

    @property
    def covered(self) -> tuple[int, int] | None:
        """First and last tomogram section (inclusive) inside the stain stack, or None."""
        z = self.fl_coordinates(0)
        inside = np.flatnonzero((z >= -0.5) & (z <= self.fl_shape[0] - 0.5))
        if inside.size == 0:
            return None
        return int(inside[0]), int(inside[-1])

    def resample(self, fl: np.ndarray, fill: float) -> np.ndarray:
        """``fl`` (the stain, float32 z, y, x) on the tomogram's grid; ``fill`` outside it."""
        if self.identical:
            return fl
        z = self.fl_coordinates(0)
        y = self.fl_coordinates(1)
        x = self.fl_coordinates(2)
        out = np.full(self.ri_shape, fill, dtype=np.float32)
        same_xy = (
            self.fl_shape[1:] == self.ri_shape[1:]
            and np.allclose(y, np.arange(self.ri_shape[1]))
            and np.allclose(x, np.arange(self.ri_shape[2]))
        )
        yy, xx = (None, None) if same_xy else np.meshgrid(y, x, indexing="ij")
        last = self.fl_shape[0] - 1
        for k, zk in enumerate(z):
            if zk < -0.5 or zk > last + 0.5:
                continue
            zk = min(max(zk, 0.0), float(last))
            low = math.floor(zk)
            high = min(low + 1, last)
            weight = np.float32(zk - low)
            plane = fl[low] * (np.float32(1) - weight) + fl[high] * weight
            if not same_xy:
                plane = ndimage.map_coordinates(
                    plane, [yy, xx], order=1, mode="nearest", prefilter=False
                )
            out[k] = plane
        return out


def describe(grid: Grid) -> str:
    (z, y, x), (vz, vy, vx) = grid
    return f"{z}×{y}×{x} voxels of {vz:g}×{vy:g}×{vx:g} µm"
