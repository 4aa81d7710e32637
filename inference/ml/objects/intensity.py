"""Splitting touching nuclei by their stain: nuclei are brightest inside and dimmer where they
press against each other, a boundary the mask's shape alone does not show (CellProfiler's
"intensity" declumping does the same with its smoothed image).

The stain is smoothed by a Gaussian of ``sigma`` pixels and scaled so the background (the median
outside the mask) is 0 and the mask's 99th percentile 1, times the distance to the mask's edge
capped at ``ramp`` pixels over ``ramp``: a blurred edge is dim for every nucleus alike, so only
the inside of a nucleus decides. Seeds are its h-maxima (``h`` of that scale), flooded on that
surface times the distance (a pressed boundary is dim, an overlap of two nuclei is bright but
narrow); regions are then merged where the surface on their cut reaches ``ratio`` of the lower of
their peaks (``merge_wide_necks``): chromatin texture dips the stain a little, a pressed boundary
by half.

Nuclei that lie across each other, elongated ones above all, are cut better by the mask's shape
(the overlap is bright), pressed ones by the stain, so ``both_cuts`` keeps the cuts of both: the
pieces the two partitions leave, a piece under ``sliver`` of the smaller of its two regions given
back to its neighbours (the two lines of one boundary a pixel apart).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage as ndi
from skimage.measure import label as connected_label
from skimage.morphology import h_maxima
from skimage.segmentation import watershed

from .necks import merge_wide_necks

__all__ = ["IntensitySplit", "both_cuts", "scaled_stain", "split_by_intensity"]


class IntensitySplit:
    """The settings of ``split_by_intensity`` (pixels and fractions of the scaled stain)."""

    sigma = 1.5
    ramp = 8.0
    h = 0.03
    ratio = 0.8
    sliver = 0.3


def scaled_stain(
    binary: np.ndarray, stain: np.ndarray, sigma: float, spacing: Sequence[float] | None
) -> np.ndarray:
    """The smoothed stain as 0 = background, 1 = the mask's 99th percentile (>= 0)."""
    smooth = ndi.gaussian_filter(np.asarray(stain, dtype=np.float64), _pixels(sigma, spacing))
    inside = smooth[binary]
    low = float(np.median(smooth[~binary])) if not binary.all() else float(np.min(inside))
    high = float(np.percentile(inside, 99))
    if high <= low:
        return np.zeros(binary.shape)
    return np.clip((smooth - low) / (high - low), 0, None)


def _pixels(sigma: float, spacing: Sequence[float] | None):
    if spacing is None:
        return sigma
    finest = min(spacing)
    return [sigma * finest / s for s in spacing]


def split_by_intensity(
    binary: np.ndarray,
    stain: np.ndarray,
    distance: np.ndarray,
    *,
    spacing: Sequence[float] | None = None,
    settings: type[IntensitySplit] | IntensitySplit = IntensitySplit,
) -> np.ndarray:
    """Regions of ``binary`` (2D or 3D; ``distance`` its distance transform) split by ``stain``
    (same shape), 0..N (0 where no seed's flood reaches)."""
    stain = np.asarray(stain)
    if stain.shape != binary.shape:
        raise ValueError(f"the stain is {stain.shape}, the mask {binary.shape}")
    edge = np.minimum(distance, settings.ramp) / settings.ramp
    surface = np.where(binary, scaled_stain(binary, stain, settings.sigma, spacing) * edge, 0.0)
    seeds = connected_label(h_maxima(surface, settings.h) & binary, connectivity=binary.ndim)
    labels = watershed(-(surface * distance), seeds, mask=binary).astype(np.int32, copy=False)
    return merge_wide_necks(labels, surface, settings.ratio)


def both_cuts(
    binary: np.ndarray,
    by_shape: np.ndarray,
    by_stain: np.ndarray,
    distance: np.ndarray,
    sliver: float,
) -> np.ndarray:
    """The pieces of ``binary`` that ``by_shape`` and ``by_stain`` (both 0..N) agree on, slivers
    flooded from their neighbours on the distance; 0..M."""
    key = by_shape.astype(np.int64) * (int(by_stain.max()) + 1) + by_stain
    pieces = connected_label(np.where(binary, key + 1, 0), connectivity=binary.ndim)
    area = np.bincount(pieces.ravel())
    parent = np.minimum(
        np.bincount(by_shape.ravel())[by_shape], np.bincount(by_stain.ravel())[by_stain]
    )
    parent = np.where(by_stain > 0, parent, np.bincount(by_shape.ravel())[by_shape])
    # A piece lies inside one region of each: its parent size is the same at all its pixels.
    parent_size = np.zeros(area.size)
    parent_size[pieces] = parent
    small = area < sliver * parent_size
    small[0] = False
    kept = np.where(small[pieces], 0, pieces)
    return watershed(-distance, kept, mask=binary).astype(np.int32, copy=False)
