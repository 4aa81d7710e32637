"""Consensus of several annotators' binary masks: majority vote, STAPLE and agreement.

Pure NumPy + SimpleITK (no Django), so the same code runs in a request, a Celery worker, a
notebook or a test. Every function takes a sequence of masks of identical shape (2D sections or
3D stacks); a pixel is foreground where the mask is non-zero, so bool, 0/1 and 0/255 masks all work.

Conventions shared by every function here:

- At least two masks are required and all must have the same shape; anything else raises
  ``ValueError`` with a message that names the problem.
- Agreement on "no nucleus" is agreement: two empty masks have Dice = Jaccard = 1.0.
- Ties go to background: a pixel is consensus foreground only with a *strict* majority
  (majority vote), or a STAPLE probability strictly above the threshold.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import SimpleITK as sitk

# Pairwise scores come from the one implementation the segmentation metrics use too.
from annotations.imaging.overlap import dice, jaccard

__all__ = [
    "AgreementResult",
    "ConsensusResult",
    "PairAgreement",
    "StapleResult",
    "consensus",
    "dice",
    "disagreement_map",
    "jaccard",
    "majority_vote",
    "pairwise_agreement",
    "staple",
]

# Probabilities this close to the threshold are ties. Two raters that disagree give STAPLE a
# posterior of exactly 0.5 in exact arithmetic, and rounding must not decide which side it lands on.
_TIE_TOLERANCE = 1e-9


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _as_bool_stack(masks: Sequence[np.ndarray]) -> list[np.ndarray]:
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


def _vote_counts(bool_masks: Sequence[np.ndarray]) -> np.ndarray:
    """Number of masks that mark each pixel foreground (uint8 while n < 256)."""
    count_dtype = np.uint8 if len(bool_masks) < 256 else np.uint16
    # A bool array viewed as uint8 is 0/1 without a copy; summing views avoids one stack copy.
    counts = bool_masks[0].view(np.uint8).astype(count_dtype)
    for mask in bool_masks[1:]:
        counts += mask.view(np.uint8)
    return counts


# --------------------------------------------------------------------------------------------
# Majority vote and disagreement
# --------------------------------------------------------------------------------------------


def majority_vote(masks: Sequence[np.ndarray]) -> np.ndarray:
    """Pixel-wise strict majority of the masks, as a bool array.

    A pixel is foreground when more than half of the masks mark it (count > n/2). With an even
    number of masks a tie (exactly n/2) resolves to background: consensus ground truth should
    only contain what a majority of annotators actually drew.
    """
    bool_masks = _as_bool_stack(masks)
    counts = _vote_counts(bool_masks)
    # For an integer count, count > n/2 is the same as count > n // 2 (no float arithmetic).
    return counts > len(bool_masks) // 2


def disagreement_map(masks: Sequence[np.ndarray]) -> np.ndarray:
    """Per pixel, how many annotators are in the minority (uint8; 0 where all agree).

    With k of n annotators marking a pixel the value is min(k, n − k): 1 means a single dissenter,
    and the maximum, n // 2, is an even split. Shade the review overlay by this value.
    """
    bool_masks = _as_bool_stack(masks)
    counts = _vote_counts(bool_masks)
    n = len(bool_masks)
    minority = np.minimum(counts, n - counts)
    return minority.astype(np.uint8, copy=False)


# --------------------------------------------------------------------------------------------
# Pairwise agreement
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairAgreement:
    """Agreement between annotators ``a`` and ``b``."""

    a: str
    b: str
    dice: float
    jaccard: float


@dataclass(frozen=True)
class AgreementResult:
    """All pairwise agreements and their summaries.

    ``per_annotator_mean_dice[label]`` is the mean Dice of that annotator against every other
    one: the annotator who disagrees with everybody stands out.
    """

    pairs: list[PairAgreement]
    mean_dice: float
    mean_jaccard: float
    per_annotator_mean_dice: dict[str, float]


def pairwise_agreement(
    masks: Sequence[np.ndarray], labels: Sequence[str] | None = None
) -> AgreementResult:
    """Dice and Jaccard for every pair of masks, in input order (0-1, 0-2, ..., 1-2, ...).

    ``labels`` names the annotators (default ``"annotator_1"``, ``"annotator_2"``, ...); they must
    be unique and as many as the masks.
    """
    bool_masks = _as_bool_stack(masks)
    n = len(bool_masks)
    if labels is None:
        names = [f"annotator_{i + 1}" for i in range(n)]
    else:
        names = [str(label) for label in labels]
        if len(names) != n:
            raise ValueError(f"got {len(names)} labels for {n} masks")
        if len(set(names)) != n:
            raise ValueError(f"labels must be unique, got {names}")

    sizes = [int(np.count_nonzero(m)) for m in bool_masks]
    pairs: list[PairAgreement] = []
    per_annotator: dict[str, list[float]] = {name: [] for name in names}
    for i, j in itertools.combinations(range(n), 2):
        intersection = int(np.count_nonzero(bool_masks[i] & bool_masks[j]))
        total = sizes[i] + sizes[j]
        union = total - intersection
        pair_dice = 1.0 if total == 0 else 2.0 * intersection / total
        pair_jaccard = 1.0 if union == 0 else intersection / union
        pairs.append(PairAgreement(names[i], names[j], pair_dice, pair_jaccard))
        per_annotator[names[i]].append(pair_dice)
        per_annotator[names[j]].append(pair_dice)

    return AgreementResult(
        pairs=pairs,
        mean_dice=float(np.mean([p.dice for p in pairs])),
        mean_jaccard=float(np.mean([p.jaccard for p in pairs])),
        per_annotator_mean_dice={name: float(np.mean(v)) for name, v in per_annotator.items()},
    )


# --------------------------------------------------------------------------------------------
# STAPLE
# --------------------------------------------------------------------------------------------


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
    bool_masks = _as_bool_stack(masks)
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


# --------------------------------------------------------------------------------------------
# One entry point
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsensusResult:
    """Consensus mask plus, for STAPLE, its probability map and per-annotator performance."""

    mask: np.ndarray
    method: str
    probability: np.ndarray | None = None
    sensitivity: list[float] | None = None
    specificity: list[float] | None = None


def consensus(
    masks: Sequence[np.ndarray],
    method: Literal["majority", "staple"] = "majority",
    **kw: Any,
) -> ConsensusResult:
    """Consensus by ``method``: ``"majority"`` (:func:`majority_vote`, no keywords) or
    ``"staple"`` (:func:`staple`; ``kw`` goes to it: ``max_iterations``, ``threshold``,
    ``roi_margin``)."""
    if method == "majority":
        if kw:
            raise ValueError(f"majority vote takes no options, got {sorted(kw)}")
        return ConsensusResult(mask=majority_vote(masks), method="majority")
    if method == "staple":
        result = staple(masks, **kw)
        return ConsensusResult(
            mask=result.mask,
            method="staple",
            probability=result.probability,
            sensitivity=result.sensitivity,
            specificity=result.specificity,
        )
    raise ValueError(f"unknown consensus method {method!r}; use 'majority' or 'staple'")
