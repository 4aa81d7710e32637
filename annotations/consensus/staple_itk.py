"""STAPLE consensus (Warfield et al. 2004) through SimpleITK, with each annotator's performance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk

from .votes import as_bool_stack

# Probabilities this close to the threshold are ties. Two raters that disagree give STAPLE a
# posterior of exactly 0.5 in exact arithmetic, and rounding must not decide which side it lands on.
_TIE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class StapleResult:
    """Output of :func:`staple`.

    ``probability`` is STAPLE's posterior probability that each pixel is foreground (float32);
    ``mask`` is ``probability > threshold``. ``sensitivity[i]`` / ``specificity[i]`` are the
    estimated performance of annotator i. ``iterations`` is ITK's elapsed-iteration count (0 when
    no EM was needed); ``converged`` is False when the iteration bound stopped the EM.
    """

    mask: np.ndarray
    probability: np.ndarray
    sensitivity: list[float]
    specificity: list[float]
    iterations: int
    converged: bool


def staple(
    masks: Sequence[np.ndarray],
    *,
    max_iterations: int = 50,
    threshold: float = 0.5,
    roi_margin: int | None = None,
) -> StapleResult:
    """STAPLE consensus (Warfield et al. 2004) computed by ``SimpleITK.STAPLEImageFilter``.

    Parameters
    ----------
    masks:
        Two or more 2D or 3D masks of the same shape; non-zero = foreground.
    max_iterations:
        Bound on the EM iterations. Always bounded: on noisy masks the EM does not converge and
        an unbounded call runs for about a minute (docs/performance.md), stalling a web worker.
    threshold:
        ``mask = probability > threshold``; values within 1e-9 of it are ties and go to
        background, as in :func:`majority_vote`.
    roi_margin:
        ``None`` (default) gives the whole array to ITK, so the result is exactly what
        ``sitk.STAPLEImageFilter`` returns for these masks. An integer restricts STAPLE to the
        bounding box of the union of the masks grown by that many pixels and pastes the result
        back (probability 0 outside). That is 3-4x faster on a 448x448 section, but it is a
        *different estimate*, not a shortcut: ITK derives the foreground prior and every
        annotator's specificity from all pixels it is given, so dropping background changes them
        (specificities then refer to the box) and can move borderline pixels. On 40 sets of
        three jittered nucleus disks (``bench/consensus_core.staple_roi_agreement``, margin 8)
        the box gave the same mask for 36 and up to 230 different pixels for the other 4.

    When every mask agrees on every pixel and that is all background (or all foreground), ITK's
    estimates are 0/0 (NaN); that case is answered without ITK: the consensus is the common
    mask and every annotator gets sensitivity = specificity = 1.0 (each matches it exactly).
    """
    if max_iterations < 1:
        raise ValueError(f"max_iterations must be >= 1, got {max_iterations}")
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be within [0, 1], got {threshold}")
    if roi_margin is not None and roi_margin < 0:
        raise ValueError(f"roi_margin must be >= 0 or None, got {roi_margin}")
    bool_masks = as_bool_stack(masks)
    if bool_masks[0].ndim not in (2, 3):
        raise ValueError(f"STAPLE takes 2D or 3D masks, got {bool_masks[0].ndim}D")
    n = len(bool_masks)
    shape = bool_masks[0].shape

    union = bool_masks[0].copy()
    intersection = bool_masks[0].copy()
    for mask in bool_masks[1:]:
        union |= mask
        intersection &= mask
    if not union.any() or intersection.all():
        common = intersection  # all-empty or all-full: the masks are identical
        return StapleResult(
            mask=common.copy(),
            probability=common.astype(np.float32),
            sensitivity=[1.0] * n,
            specificity=[1.0] * n,
            iterations=0,
            converged=True,
        )

    window: tuple[slice, ...] = tuple(slice(0, s) for s in shape)
    if roi_margin is not None:
        window = _grown_bounding_box(union, roi_margin)
    inputs = [mask[window] for mask in bool_masks]

    images = [sitk.GetImageFromArray(np.ascontiguousarray(m).view(np.uint8)) for m in inputs]
    staple_filter = sitk.STAPLEImageFilter()
    staple_filter.SetForegroundValue(1.0)
    staple_filter.SetMaximumIterations(int(max_iterations))
    # The array view borrows the image's buffer: keep the image alive until it is copied.
    posterior_image = staple_filter.Execute(images)
    posterior = sitk.GetArrayViewFromImage(posterior_image)
    probability = np.zeros(shape, dtype=np.float32)
    probability[window] = posterior
    # Thresholded in float64: float32 would merge values within 3e-8 of 0.5 into the tie.
    mask = np.zeros(shape, dtype=bool)
    mask[window] = posterior > threshold + _TIE_TOLERANCE
    del posterior, posterior_image
    iterations = int(staple_filter.GetElapsedIterations())
    return StapleResult(
        mask=mask,
        probability=probability,
        sensitivity=[float(v) for v in staple_filter.GetSensitivity()],
        specificity=[float(v) for v in staple_filter.GetSpecificity()],
        iterations=iterations,
        # ITK leaves the loop with the 0-based index of the converged pass, or with the bound.
        converged=iterations < max_iterations,
    )


def _grown_bounding_box(mask: np.ndarray, margin: int) -> tuple[slice, ...]:
    """Bounding box of ``mask``'s foreground grown by ``margin`` and clipped to the array."""
    window = []
    for axis in range(mask.ndim):
        other_axes = tuple(a for a in range(mask.ndim) if a != axis)
        occupied = np.flatnonzero(mask.any(axis=other_axes))
        start = max(int(occupied[0]) - margin, 0)
        stop = min(int(occupied[-1]) + margin + 1, mask.shape[axis])
        window.append(slice(start, stop))
    return tuple(window)
