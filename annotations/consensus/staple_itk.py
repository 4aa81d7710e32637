"""STAPLE consensus (Warfield et al. 2004) with each annotator's performance: SimpleITK's filter,
or the same EM on the vote patterns, which gives ITK's answer several times faster.

Why the pattern path is exact: in ``itk::STAPLEImageFilter::GenerateData`` every per-pixel
quantity (the initial weight = mean vote, the posterior W) is a function of the pixel's vote
pattern (which annotators marked it) and of global numbers only (the prior g_t, each annotator's
sensitivity p and specificity q), and the global numbers are sums over pixels. So the EM depends
only on how many pixels carry each pattern: with 3 annotators that is 8 counts instead of 3 x
448 x 448 pixels per pass. :func:`staple_vote_patterns` runs ITK's loop (same initialisation,
update order, convergence test and iteration count) on those counts; only the order of the
floating-point sums differs (ITK adds 200,000 terms one by one: sensitivities then differ by
~1e-12). Where that could matter, a posterior within ``_BORDERLINE`` of the threshold or a
convergence step within 0.1 % of ITK's test, ``staple`` calls ITK on the whole array instead,
so the mask and the iteration count never depend on summation order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import SimpleITK as sitk

from .votes import as_bool_stack

# Probabilities this close to the threshold are ties. Two raters that disagree give STAPLE a
# posterior of exactly 0.5 in exact arithmetic, and rounding must not decide which side it lands on.
_TIE_TOLERANCE = 1e-9
# ITK's convergence test: every squared change of a sensitivity or specificity at most this.
_MIN_RMS_ERROR = 1.0e-14
# The pattern path and ITK sum in different orders (posteriors differ by up to ~1e-12): a
# posterior this close to the decision value, or a squared change this close (relatively) to
# ITK's convergence test, is left to ITK.
_BORDERLINE = 1e-8
_BORDERLINE_CHANGE = 1e-3
_MAX_PATTERN_RATERS = 16


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
    engine: Literal["vote_patterns", "itk"] = "vote_patterns",
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
    engine:
        ``"vote_patterns"`` (default) runs ITK's EM on the counts of each vote pattern
        (:func:`staple_vote_patterns`): the same mask, posterior (to float32 rounding),
        sensitivities, specificities and iteration count as ``sitk.STAPLEImageFilter`` on the
        same array, about 10x faster on 3 x 448 x 448; borderline cases go to ITK.
        ``"itk"`` always calls ``sitk.STAPLEImageFilter``.

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
    if engine not in ("vote_patterns", "itk"):
        raise ValueError(f"engine must be 'vote_patterns' or 'itk', got {engine!r}")
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
    result = None
    if engine == "vote_patterns":
        result = staple_vote_patterns(inputs, max_iterations=max_iterations, threshold=threshold)
    if result is None:  # asked for ITK, or a borderline case for the pattern path
        result = _staple_sitk(inputs, max_iterations=max_iterations, threshold=threshold)
    if roi_margin is None:
        return result
    probability = np.zeros(shape, dtype=np.float32)
    probability[window] = result.probability
    mask = np.zeros(shape, dtype=bool)
    mask[window] = result.mask
    return replace(result, mask=mask, probability=probability)


def _staple_sitk(masks: list[np.ndarray], *, max_iterations: int, threshold: float) -> StapleResult:
    images = [sitk.GetImageFromArray(np.ascontiguousarray(m).view(np.uint8)) for m in masks]
    staple_filter = sitk.STAPLEImageFilter()
    staple_filter.SetForegroundValue(1.0)
    staple_filter.SetMaximumIterations(int(max_iterations))
    # The array view borrows the image's buffer: keep the image alive until it is copied.
    posterior_image = staple_filter.Execute(images)
    posterior = sitk.GetArrayViewFromImage(posterior_image)
    probability = posterior.astype(np.float32)
    # Thresholded in float64: float32 would merge values within 3e-8 of 0.5 into the tie.
    mask = posterior > threshold + _TIE_TOLERANCE
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


def _vote_codes(masks: list[np.ndarray]) -> np.ndarray:
    """Each pixel's vote pattern as an integer: bit i set when annotator i marked it."""
    dtype = np.uint8 if len(masks) <= 8 else np.uint16
    codes = np.zeros(masks[0].shape, dtype=dtype)
    for index, mask in enumerate(masks):
        codes |= mask.view(np.uint8).astype(dtype, copy=False) << dtype(index)
    return codes


def staple_vote_patterns(
    masks: list[np.ndarray], *, max_iterations: int = 50, threshold: float = 0.5
) -> StapleResult | None:
    """ITK's STAPLE EM run on the counts of each vote pattern (see the module docstring).

    ``masks`` are same-shape bool arrays (at most ``_MAX_PATTERN_RATERS``). Returns None where
    the answer could depend on the order of floating-point sums (a posterior within
    ``_BORDERLINE`` of the decision value, or a convergence step within 0.1 % of ITK's test) or
    there are too many annotators; the caller then asks ITK.
    """
    n = len(masks)
    if n > _MAX_PATTERN_RATERS:
        return None
    codes = _vote_codes(masks)
    counts = np.bincount(codes.ravel(), minlength=1 << n)
    present = np.flatnonzero(counts)
    weight = counts[present].astype(np.float64)
    votes = ((present[:, None] >> np.arange(n)) & 1).astype(bool)  # (patterns, annotators)
    pixels = float(codes.size)
    posterior = votes.sum(axis=1) / float(n)  # ITK's initial W: the mean vote
    prior = float(weight @ posterior) / pixels
    last_p = np.full(n, -10.0)
    last_q = np.full(n, -10.0)
    borderline = False
    iteration = max_iterations
    with np.errstate(divide="ignore", invalid="ignore"):
        for step in range(max_iterations):
            on, off = weight * posterior, weight * (1.0 - posterior)
            p = (votes * on[:, None]).sum(axis=0) / on.sum()
            q = (~votes * off[:, None]).sum(axis=0) / off.sum()
            alpha = np.ones_like(posterior)
            beta = np.ones_like(posterior)
            for i in range(n):  # ITK's order of products
                alpha = np.where(votes[:, i], alpha * p[i], alpha * (1.0 - p[i]))
                beta = np.where(votes[:, i], beta * (1.0 - q[i]), beta * q[i])
            posterior = prior * alpha / (prior * alpha + (1.0 - prior) * beta)
            changes = np.concatenate([(p - last_p) ** 2, (q - last_q) ** 2])
            last_p, last_q = p, q
            if step == 0:
                continue
            borderline |= bool(
                np.any(np.abs(changes - _MIN_RMS_ERROR) <= _BORDERLINE_CHANGE * _MIN_RMS_ERROR)
            )
            if not np.any(changes > _MIN_RMS_ERROR):  # NaN compares False, as in ITK
                iteration = step
                break
    decision = threshold + _TIE_TOLERANCE
    if borderline or np.any(np.abs(posterior - decision) <= _BORDERLINE):
        return None
    lookup = np.zeros(1 << n, dtype=np.float64)
    lookup[present] = posterior
    return StapleResult(
        mask=(lookup > decision)[codes],
        probability=lookup.astype(np.float32)[codes],
        sensitivity=[float(v) for v in p],
        specificity=[float(v) for v in q],
        iterations=iteration,
        converged=iteration < max_iterations,
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
