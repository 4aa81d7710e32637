"""Merging the watershed regions a split cut where a nucleus has no neck.

Seeds from the h-maxima of a distance map cut an elongated or lumpy nucleus wherever its ridge
dips by ``h``, and a low ``h`` is needed to cut nuclei pressed together. Two regions are one
nucleus when the surface is nearly as high on the cut between them as at the lower of their two
peaks: a real neck between two nuclei is narrow (or, on a stain, dim) against both of them.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi
from skimage.segmentation import relabel_sequential

__all__ = ["cut_heights", "merge_wide_necks"]


def cut_heights(labels: np.ndarray, surface: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of face-adjacent regions of ``labels`` (2D or 3D), as ``(n, 2)`` ids ``a < b``,
    and each pair's cut height: the highest ``min(surface[p], surface[q])`` over neighbours
    ``p`` in one region and ``q`` in the other (the saddle a flood from both peaks meets at)."""
    count = int(labels.max())
    keys, heights = [], []
    for axis in range(labels.ndim):
        before = [slice(None)] * labels.ndim
        after = [slice(None)] * labels.ndim
        before[axis], after[axis] = slice(0, -1), slice(1, None)
        la, lb = labels[tuple(before)], labels[tuple(after)]
        touching = (la > 0) & (lb > 0) & (la != lb)
        if not touching.any():
            continue
        a, b = la[touching].astype(np.int64), lb[touching].astype(np.int64)
        keys.append(np.minimum(a, b) * (count + 1) + np.maximum(a, b))
        heights.append(
            np.minimum(surface[tuple(before)][touching], surface[tuple(after)][touching])
        )
    if not keys:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0)
    key, height = np.concatenate(keys), np.concatenate(heights)
    pairs, inverse = np.unique(key, return_inverse=True)
    highest = np.full(pairs.size, -np.inf)
    np.maximum.at(highest, inverse, height)
    return np.stack([pairs // (count + 1), pairs % (count + 1)], axis=1), highest


def merge_wide_necks(labels: np.ndarray, surface: np.ndarray, ratio: float) -> np.ndarray:
    """``labels`` (1..N) with every two adjacent regions merged whose cut height reaches
    ``ratio`` times the lower of their peaks (``surface``'s maximum in each region, before any
    merge), the widest cuts first; relabelled 1..M."""
    if not 0 < ratio <= 1:
        raise ValueError(f"the neck ratio must be in (0, 1], got {ratio}")
    count = int(labels.max())
    if count < 2:
        return labels
    peaks = np.asarray(ndi.maximum(surface, labels, np.arange(count + 1)), dtype=np.float64)
    pairs, heights = cut_heights(labels, surface)
    lower = np.minimum(peaks[pairs[:, 0]], peaks[pairs[:, 1]]) if len(pairs) else heights
    with np.errstate(divide="ignore", invalid="ignore"):
        widths = np.where(lower > 0, heights / lower, 0.0)
    parent = np.arange(count + 1)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for k in np.argsort(-widths, kind="stable"):
        if widths[k] < ratio:
            break
        a, b = root(int(pairs[k, 0])), root(int(pairs[k, 1]))
        if a != b:
            parent[max(a, b)] = min(a, b)
    table = np.array([root(i) for i in range(count + 1)], dtype=labels.dtype)
    return relabel_sequential(table[labels])[0]
