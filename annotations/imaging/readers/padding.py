"""The margin a reconstruction or an export pads a volume with, filled with its background.

ODT software writes a tomogram into a larger canvas and pads the rest with NaN, or with 0 where
it stores integers (RI x 10,000): no refractive index is 0 (a file of RI − n0, where 0 is the
medium, keeps its zeros). Such a margin is whole sections, rows and columns around a box that
holds every real voxel. It is filled with the median of the box's outermost voxels (the medium
around the cell), so the display window, the statistics and a prediction see the medium rather
than NaN or 0. A non-finite voxel inside the
box is not padding: ``volume.check_finite`` refuses it as before, counting only those.
"""

from __future__ import annotations

import numpy as np

# Absolute RI is above 1 (water 1.333); RI − n0 stays well below this.
_ABSOLUTE_RI_MEDIAN = 0.5


def fill_padding(volume: np.ndarray, *, is_ri: bool) -> int:
    """Fill ``volume``'s (z, y, x) padding in place with the background; the count filled."""
    lo, hi = volume.min(), volume.max()
    if np.isfinite(lo) and np.isfinite(hi) and (not is_ri or lo > 0):
        return 0  # the common case: nothing to look at, no mask allocated
    valid = np.isfinite(volume)
    if is_ri and _absolute_ri(volume):
        valid &= volume != 0
    box = _bounding_box(valid)
    if box is None:
        return 0
    inner_size = int(np.prod([s.stop - s.start for s in box]))
    filled = volume.size - inner_size
    if filled == 0:
        return 0
    background = _shell_median(volume[box])
    inside = volume[box].copy()
    volume[...] = background
    volume[box] = inside
    return filled


def _absolute_ri(volume: np.ndarray) -> bool:
    """Whether RI ``volume`` is absolute (about 1.33, or 13,300 encoded), where 0 can only be
    padding; RI − n0 (about 0) holds 0 as data. Decided on a strided sample of its voxels."""
    sample = volume.reshape(-1)[:: max(1, volume.size // 65536)]
    sample = sample[np.isfinite(sample) & (sample != 0)]
    return bool(sample.size) and float(np.median(sample)) > _ABSOLUTE_RI_MEDIAN


def _bounding_box(valid: np.ndarray) -> tuple[slice, ...] | None:
    box = []
    for axis in range(valid.ndim):
        others = tuple(a for a in range(valid.ndim) if a != axis)
        present = np.flatnonzero(valid.any(axis=others))
        if present.size == 0:
            return None
        box.append(slice(int(present[0]), int(present[-1]) + 1))
    return tuple(box)


def _shell_median(inner: np.ndarray) -> np.float32:
    """The median of the finite voxels on the four in-plane edges of every section of ``inner``
    (the box's corner sections may still hold a NaN of their own, refused afterwards)."""
    edges = np.concatenate(
        [e.ravel() for e in (inner[:, 0, :], inner[:, -1, :], inner[:, :, 0], inner[:, :, -1])]
    )
    return np.float32(np.median(edges[np.isfinite(edges)]))
