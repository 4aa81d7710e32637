"""An uneven background under a widefield stain section, estimated and subtracted before the
threshold is found (docs/fluorescence.md, "Uneven background").

Widefield illumination is seldom flat: a Hoechst field's background often varies by a factor of
2-3 from one corner to the other, and one threshold for the whole field then takes the bright
corner's background for stain and misses the dim nuclei of the dark one. The usual remedy is to
estimate the background and subtract it first (ImageJ's *Subtract Background*, CellProfiler's
*CorrectIlluminationCalculate* with its "Background" method: the darkest pixels of blocks larger
than a nucleus, then smoothed). Here: the ``_PERCENTILE``-th percentile of each block of
``block`` × ``block`` px (a block larger than a nucleus holds some background even in a crowded
field), a quadratic surface fitted to those levels by least squares with blocks more than
``_OUTLIER_MADS`` robust deviations off the surface dropped (a block filled by one large nucleus
or a cluster) and refitted, and the section minus that surface plus its lowest value, so the
corrected intensities stay on the stain's scale. A section with fewer than ``_MIN_BLOCKS``
blocks along a side (a single-cell field of a few hundred pixels) is left as it is: no surface
can be told from the nucleus there.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BACKGROUND_BLOCK", "background_surface", "flatten"]

BACKGROUND_BLOCK = 128  # px: larger than a nucleus at the magnifications phase contrast uses
_PERCENTILE = 10.0
_MIN_BLOCKS = 3
_OUTLIER_MADS = 3.0


def _design(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.stack([np.ones_like(y), y, x, y * y, y * x, x * x], axis=-1)


def background_surface(section: np.ndarray, block: int = BACKGROUND_BLOCK) -> np.ndarray | None:
    """The fitted background of one ``(y, x)`` section (float64), or None where the section is
    too small for ``block`` (or ``block`` is 0: no correction)."""
    height, width = section.shape
    if block <= 0 or min(height, width) < _MIN_BLOCKS * block:
        return None
    rows, cols = height // block, width // block
    # The blocks tile the section from its centre; the margin left over is not sampled.
    top, left = (height - rows * block) // 2, (width - cols * block) // 2
    tiles = np.asarray(section, dtype=np.float64)[
        top : top + rows * block, left : left + cols * block
    ].reshape(rows, block, cols, block)
    levels = np.percentile(tiles, _PERCENTILE, axis=(1, 3)).ravel()
    cy = (top + block * (np.arange(rows) + 0.5) - height / 2) / (height / 2)
    cx = (left + block * (np.arange(cols) + 0.5) - width / 2) / (width / 2)
    by, bx = np.meshgrid(cy, cx, indexing="ij")
    design = _design(by.ravel(), bx.ravel())
    keep = np.ones(levels.size, dtype=bool)
    for _ in range(3):
        coef = np.linalg.lstsq(design[keep], levels[keep], rcond=None)[0]
        residual = levels - design @ coef
        spread = 1.4826 * np.median(np.abs(residual[keep] - np.median(residual[keep])))
        new_keep = np.abs(residual) <= _OUTLIER_MADS * spread + 1e-9 * (1 + abs(levels).max())
        if new_keep.sum() < design.shape[1] or (new_keep == keep).all():
            break
        keep = new_keep
    y = (np.arange(height) - height / 2 + 0.5) / (height / 2)
    x = (np.arange(width) - width / 2 + 0.5) / (width / 2)
    c0, c1, c2, c3, c4, c5 = coef
    return (
        c0 + (c1 * y + c3 * y * y)[:, None] + (c2 * x + c5 * x * x)[None, :] + c4 * np.outer(y, x)
    )


def flatten(section: np.ndarray, block: int = BACKGROUND_BLOCK) -> np.ndarray:
    """The section minus its background surface plus the surface's lowest value (unchanged
    where ``background_surface`` gives none)."""
    surface = background_surface(section, block)
    if surface is None:
        return section
    return np.asarray(section, dtype=np.float64) - surface + float(surface.min())
