"""Nucleus instances of a binary mask: connected components, optionally split by watershed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage as ndi
from skimage.measure import label as connected_label
from skimage.morphology import h_maxima
from skimage.segmentation import relabel_sequential, watershed

__all__ = ["label_instances"]


def label_instances(
    mask: np.ndarray,
    *,
    split_touching: bool = False,
    h: float = 2.0,
    spacing: Sequence[float] | None = None,
) -> np.ndarray:
    """Label the connected nuclei of a binary mask (2D or 3D) as int32, 1..N, 0 = background.

    Connectivity is full (8 in 2D, 26 in 3D). With ``split_touching`` the mask is split by a
    seeded watershed, as papers 003 and 004 do: seeds are the h-maxima of the Euclidean distance
    transform (``spacing`` in physical units per axis for anisotropic voxels) and the watershed
    floods the negated distance inside the mask. ``h`` is the minimum depth, in the distance's
    units (pixels by default), of the neck between two nuclei for them to be split: paper 004's
    h = 10 applies to its predicted distance map's intensity scale, not to pixels. A component too
    thin to hold a seed keeps its own label rather than vanishing.
    """
    binary = np.asarray(mask) != 0
    if binary.ndim not in (2, 3):
        raise ValueError(f"expected a 2D or 3D mask, got {binary.ndim}D")
    if not split_touching:
        return connected_label(binary, connectivity=binary.ndim).astype(np.int32, copy=False)
    if h <= 0:
        raise ValueError(f"h must be > 0, got {h}")
    if not binary.any():
        return np.zeros(binary.shape, dtype=np.int32)
    distance = ndi.distance_transform_edt(binary, sampling=spacing)
    seeds = connected_label(h_maxima(distance, h), connectivity=binary.ndim)
    labels = watershed(-distance, seeds, mask=binary).astype(np.int32, copy=False)
    orphans = binary & (labels == 0)
    if orphans.any():
        extra = connected_label(orphans, connectivity=binary.ndim).astype(np.int32)
        labels = np.where(extra > 0, extra + labels.max(), labels)
    return relabel_sequential(labels)[0].astype(np.int32, copy=False)
