"""Majority vote and the disagreement map, and the mask checks every consensus function shares."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def as_bool_stack(masks: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Validate ``masks`` and return them as C-contiguous bool arrays (no copy when already so)."""
    if isinstance(masks, np.ndarray):
        if masks.ndim < 2:
            raise ValueError(
                "masks must be a sequence of arrays or an array stacked on its first axis"
            )
        masks = list(masks)
    masks = list(masks)
    if len(masks) < 2:
        raise ValueError(f"consensus needs at least 2 masks, got {len(masks)}")
    arrays = [np.asarray(m) for m in masks]
    shape = arrays[0].shape
    if len(shape) == 0 or 0 in shape:
        raise ValueError(f"masks must be non-empty arrays, got shape {shape}")
    for index, array in enumerate(arrays):
        if array.shape != shape:
            raise ValueError(
                f"all masks must have the same shape: mask 0 is {shape}, mask {index} is {array.shape}"
            )
    return [
        np.ascontiguousarray(a) if a.dtype == np.bool_ else np.ascontiguousarray(a != 0)
        for a in arrays
    ]


def vote_counts(bool_masks: Sequence[np.ndarray]) -> np.ndarray:
    """Number of masks that mark each pixel foreground (uint8 while n < 256)."""
    count_dtype = np.uint8 if len(bool_masks) < 256 else np.uint16
    # A bool array viewed as uint8 is 0/1 without a copy; summing views avoids one stack copy.
    counts = bool_masks[0].view(np.uint8).astype(count_dtype)
    for mask in bool_masks[1:]:
        counts += mask.view(np.uint8)
    return counts


def majority_vote(masks: Sequence[np.ndarray]) -> np.ndarray:
    """Pixel-wise strict majority of the masks, as a bool array.

    A pixel is foreground when more than half of the masks mark it (count > n/2). With an even
    number of masks a tie (exactly n/2) resolves to background: consensus ground truth should
    only contain what a majority of annotators actually drew.
    """
    bool_masks = as_bool_stack(masks)
    counts = vote_counts(bool_masks)
    # For an integer count, count > n/2 is the same as count > n // 2 (no float arithmetic).
    return counts > len(bool_masks) // 2


def disagreement_map(masks: Sequence[np.ndarray]) -> np.ndarray:
    """Per pixel, how many annotators are in the minority (uint8; 0 where all agree).

    With k of n annotators marking a pixel the value is min(k, n − k): 1 means a single dissenter,
    and the maximum, n // 2, is an even split. Shade the review overlay by this value.
    """
    bool_masks = as_bool_stack(masks)
    counts = vote_counts(bool_masks)
    n = len(bool_masks)
    minority = np.minimum(counts, n - counts)
    return minority.astype(np.uint8, copy=False)
