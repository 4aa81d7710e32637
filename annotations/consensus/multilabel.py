"""Consensus and agreement of several annotators' class maps (region classes).

A class map holds one class value per pixel (0 = background, 1-255 = a class). The package's
conventions hold here too: at least two maps of one shape, and ties go to background.

- :func:`plurality_vote`: each pixel takes the value most annotators gave it, background
  included; a tie for the most votes gives background. With one class this is the strict
  majority vote of :func:`majority_vote`, and it equals SimpleITK's ``LabelVotingImageFilter``
  with undecided pixels labelled 0.
- :func:`multilabel_staple`: SimpleITK's ``MultiLabelSTAPLEImageFilter`` (Rohlfing et al. 2004),
  with a bound on its iterations and undecided pixels labelled 0.
- :func:`class_agreement`: pairwise Dice and Jaccard of every class on its own, and
  :func:`worst_class` for ordering a review queue by the class annotators agree on least.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk

from .agreement import AgreementResult, pairwise_agreement

__all__ = [
    "MultiLabelStapleResult",
    "as_label_stack",
    "class_agreement",
    "multilabel_staple",
    "plurality_vote",
    "worst_class",
]


def as_label_stack(class_maps: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Validate ``class_maps`` and return them as C-contiguous uint8 arrays."""
    arrays = [np.asarray(m) for m in class_maps]
    if len(arrays) < 2:
        raise ValueError(f"consensus needs at least 2 class maps, got {len(arrays)}")
    shape = arrays[0].shape
    if len(shape) == 0 or 0 in shape:
        raise ValueError(f"class maps must be non-empty arrays, got shape {shape}")
    out = []
    for index, array in enumerate(arrays):
        if array.shape != shape:
            raise ValueError(
                f"all class maps must have the same shape: map 0 is {shape}, "
                f"map {index} is {array.shape}"
            )
        if array.dtype != np.bool_ and array.dtype.kind not in "iu":
            raise ValueError(f"class map {index} must hold integers, got {array.dtype}")
        if array.size and (int(array.min()) < 0 or int(array.max()) > 255):
            raise ValueError(f"class map {index} has values outside 0-255")
        out.append(np.ascontiguousarray(array, dtype=np.uint8))
    return out


def _classes_present(maps: Sequence[np.ndarray]) -> list[int]:
    counts = sum(np.bincount(m.ravel(), minlength=256) for m in maps)
    return [int(v) for v in np.flatnonzero(counts)]


def plurality_vote(class_maps: Sequence[np.ndarray]) -> np.ndarray:
    """Per pixel the value with the most votes (uint8); a tie for the most gives 0."""
    maps = as_label_stack(class_maps)
    shape = maps[0].shape
    best = np.zeros(shape, dtype=np.uint8)
    best_votes = np.zeros(shape, dtype=np.uint8)
    tied = np.zeros(shape, dtype=bool)
    for value in _classes_present(maps):
        votes = np.zeros(shape, dtype=np.uint8)
        for m in maps:
            votes += m == value
        more = votes > best_votes
        tied = np.where(more, False, tied | ((votes == best_votes) & (votes > 0)))
        best = np.where(more, np.uint8(value), best)
        best_votes = np.maximum(best_votes, votes)
    best[tied] = 0
    return best


@dataclass(frozen=True)
class MultiLabelStapleResult:
    """Output of :func:`multilabel_staple`.

    ``labels`` is the consensus class map (uint8). ``confusion[i][r, t]`` is the estimated
    probability that annotator i gives value r where the truth is t, for r, t in 0..max value
    (the column of a value nobody used is all 0; every other column sums to 1).
    """

    labels: np.ndarray
    confusion: list[np.ndarray]
    max_iterations: int


def multilabel_staple(
    class_maps: Sequence[np.ndarray],
    *,
    max_iterations: int = 50,
    termination_threshold: float = 1e-5,
) -> MultiLabelStapleResult:
    """Multi-label STAPLE by ``SimpleITK.MultiLabelSTAPLEImageFilter``.

    ``max_iterations`` bounds the EM (ITK's default is unbounded, and noisy maps need many
    passes); ``termination_threshold`` is ITK's: the EM stops once no confusion-matrix entry
    changes by more than this. Pixels whose most probable classes tie are labelled 0.
    """
    if max_iterations < 1:
        raise ValueError(f"max_iterations must be >= 1, got {max_iterations}")
    maps = as_label_stack(class_maps)
    if maps[0].ndim not in (2, 3):
        raise ValueError(f"STAPLE takes 2D or 3D class maps, got {maps[0].ndim}D")
    staple_filter = sitk.MultiLabelSTAPLEImageFilter()
    staple_filter.SetLabelForUndecidedPixels(0)
    staple_filter.SetMaximumNumberOfIterations(int(max_iterations))
    staple_filter.SetTerminationUpdateThreshold(float(termination_threshold))
    result = staple_filter.Execute([sitk.GetImageFromArray(m) for m in maps])
    labels = sitk.GetArrayFromImage(result).astype(np.uint8, copy=False)
    size = max(int(m.max()) for m in maps) + 1
    confusion = []
    for index in range(len(maps)):
        # ITK adds a row for "the annotator left this undecided"; annotators never do here.
        matrix = np.asarray(staple_filter.GetConfusionMatrix(index), dtype=np.float64)
        confusion.append(matrix.reshape(size + 1, size)[:size])
    return MultiLabelStapleResult(labels, confusion, max_iterations)


def class_agreement(
    class_maps: Sequence[np.ndarray],
    classes: Sequence[int] | None = None,
    labels: Sequence[str] | None = None,
) -> dict[int, AgreementResult]:
    """Pairwise Dice and Jaccard of each class on its own (``map == class`` per annotator).

    ``classes`` defaults to every non-zero value any annotator used; a class nobody drew gets
    Dice 1.0 (agreement on its absence). ``labels`` names the annotators.
    """
    maps = as_label_stack(class_maps)
    chosen = [c for c in _classes_present(maps) if c] if classes is None else list(classes)
    return {int(c): pairwise_agreement([m == c for m in maps], labels) for c in chosen}


def worst_class(agreement: Mapping[int, AgreementResult]) -> int | None:
    """The class with the lowest mean pairwise Dice (the lower value on a tie); None if none."""
    if not agreement:
        return None
    return min(agreement, key=lambda c: (agreement[c].mean_dice, c))
