"""Nucleus instances for training and evaluation: targets, separation, per-class object metrics.

- Training targets for an instance head (``heads``): :func:`distance_target`, each nucleus's
  Euclidean distance to its own border (touching nuclei each get their own peak), and
  :func:`boundary_target`, the border pixels of every nucleus.
- Separation of predicted nuclei, as paper 004 does: :func:`distance_to_instances` takes the
  h-maxima of the predicted distance map as seeds (one per nucleus) and floods the predicted
  foreground from them by watershed; :func:`boundary_to_instances` seeds each nucleus from the
  foreground inside the predicted boundaries.
- Object metrics per class on real instances (never connected components, which merge touching
  nuclei): :func:`match_per_class` and :func:`object_scores_per_class`, built on the Hungarian
  matching, NuSeT errors and mAP of ``objects``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import ndimage as ndi
from skimage.measure import label as connected_label
from skimage.morphology import h_maxima
from skimage.segmentation import find_boundaries, relabel_sequential, watershed

from .objects import ObjectMatch, match_instances, mean_average_precision

__all__ = [
    "DEFAULT_H",
    "boundary_target",
    "boundary_to_instances",
    "distance_target",
    "distance_to_instances",
    "match_per_class",
    "object_scores_per_class",
]

# Minimum depth of the valley between two predicted nuclei for them to be split, on the scale of
# distance_target (1 at every nucleus's centre). Paper 004's h = 10 is on its own map's scale.
DEFAULT_H = 0.3

ClassedInstances = tuple[np.ndarray, Mapping[int, int]]  # (instance map, class of each id)


def _instance_array(instances: np.ndarray) -> np.ndarray:
    array = np.asarray(instances)
    if array.ndim not in (2, 3) or array.dtype.kind not in "iu":
        raise ValueError(
            f"expected a 2D or 3D integer instance map, got {array.dtype} {array.shape}"
        )
    return array


def distance_target(instances: np.ndarray, *, normalise: bool = True) -> np.ndarray:
    """Each nucleus's distance to its own border (float32, 0 outside nuclei).

    With ``normalise`` every nucleus peaks at 1.0, so small and large nuclei weigh alike and the
    valley between two touching ones is deep whatever their size.
    """
    labels = _instance_array(instances)
    target = np.zeros(labels.shape, dtype=np.float32)
    for number, box in enumerate(ndi.find_objects(labels), start=1):
        if box is None:
            continue
        # One pixel of margin so the crop's edge counts as outside the nucleus.
        padded = tuple(slice(max(s.start - 1, 0), s.stop + 1) for s in box)
        inside = labels[padded] == number
        distance = ndi.distance_transform_edt(np.pad(inside, 1))[(slice(1, -1),) * inside.ndim]
        if normalise and distance.max() > 0:
            distance = distance / distance.max()
        target[padded][inside] = distance[inside]
    return target


def boundary_target(instances: np.ndarray) -> np.ndarray:
    """1.0 on the border pixels of every nucleus (against background or another nucleus)."""
    labels = _instance_array(instances)
    return (find_boundaries(labels, mode="inner") & (labels > 0)).astype(np.float32)


def _relabelled_with_orphans(labels: np.ndarray, foreground: np.ndarray) -> np.ndarray:
    """Foreground the watershed did not reach (no seed inside) becomes nuclei of its own."""
    unreached = foreground & (labels == 0)
    if unreached.any():
        extra = connected_label(unreached, connectivity=foreground.ndim)
        labels = np.where(extra > 0, extra + labels.max(), labels)
    return relabel_sequential(labels.astype(np.int32, copy=False))[0]


def distance_to_instances(
    distance: np.ndarray, foreground: np.ndarray, *, h: float = DEFAULT_H
) -> np.ndarray:
    """Nuclei (int32 labels 1..N) from a predicted distance map and foreground mask.

    Seeds are the regional maxima of the h-maxima transform of the distance (paper 004:
    HMAX_h(f) = R^δ_f(f − h), so a peak counts only if it rises at least ``h`` above the
    valley to any higher one); a seeded watershed on the negated distance then divides the
    foreground among them.
    """
    if h <= 0:
        raise ValueError(f"h must be > 0, got {h}")
    mask = np.asarray(foreground) != 0
    values = np.where(mask, np.asarray(distance, dtype=np.float64), 0.0)
    if values.shape != mask.shape:
        raise ValueError(f"distance {values.shape} and foreground {mask.shape} differ in shape")
    if not mask.any():
        return np.zeros(mask.shape, dtype=np.int32)
    # h_maxima over the whole map, not objects.labels' per-component seeding: that is exact only
    # where the map is >= 0 inside the foreground and 0 between, and the instance head's distance
    # is regressed by a plain 1x1 convolution (heads.SegmentationHeads), negative where it
    # undershoots. Below the background's 0, a nucleus's seeds then depend on the rest of the
    # map: a peak rising h out of a negative pit seeds here and not per component.
    seeds = connected_label(h_maxima(values, h) & mask, connectivity=mask.ndim)
    labels = watershed(-values, seeds, mask=mask)
    return _relabelled_with_orphans(labels, mask)


def boundary_to_instances(
    boundary_probability: np.ndarray, foreground: np.ndarray, *, threshold: float = 0.5
) -> np.ndarray:
    """Nuclei (int32 labels 1..N) from a predicted boundary probability and foreground mask:
    each connected interior (foreground off the boundary) seeds one nucleus, and a watershed on
    the boundary probability gives it back its border pixels."""
    mask = np.asarray(foreground) != 0
    boundary = np.asarray(boundary_probability, dtype=np.float64)
    if boundary.shape != mask.shape:
        raise ValueError(f"boundary {boundary.shape} and foreground {mask.shape} differ in shape")
    seeds = connected_label(mask & (boundary < threshold), connectivity=1)
    labels = watershed(boundary, seeds, mask=mask)
    return _relabelled_with_orphans(labels, mask)


def _of_class(instances: np.ndarray, classes: Mapping[int, int], value: int) -> np.ndarray:
    ids = [i for i, c in classes.items() if c == value]
    return np.where(np.isin(instances, ids), instances, 0)


def _classes_of(*sides: ClassedInstances) -> list[int]:
    return sorted({int(c) for _, classes in sides for c in classes.values()})


def match_per_class(
    predicted: ClassedInstances, truth: ClassedInstances, iou_threshold: float = 0.7
) -> dict[int, ObjectMatch]:
    """:func:`objects.match_instances` of each class on its own: a predicted nucleus can only
    match a true nucleus of the same class. Each side is (instance map, class of each id)."""
    pred_map, pred_classes = predicted
    true_map, true_classes = truth
    return {
        value: match_instances(
            _of_class(pred_map, pred_classes, value),
            _of_class(true_map, true_classes, value),
            iou_threshold,
        )
        for value in _classes_of(predicted, truth)
    }


# Names in the per-class score table -> ObjectMatch attributes (the same names object_scores uses).
_SCORE_FIELDS = {
    "n_gt": "n_gt",
    "n_pred": "n_pred",
    "correct": "correct_detections",
    "incorrect": "incorrect_detections",
    "false_negatives": "false_negatives",
    "false_positives": "false_positives",
    "fn_rate": "false_negative_rate",
    "fp_rate": "false_positive_rate",
    "split": "split_count",
    "merge": "merge_count",
    "catastrophe": "catastrophe_count",
}


def object_scores_per_class(
    predicted: ClassedInstances, truth: ClassedInstances, iou_threshold: float = 0.7
) -> dict[int, dict[str, Any]]:
    """Per class: paper 003's counts and rates at ``iou_threshold`` and the mAP over IoU
    0.50:0.05:0.95 (paper 004), computed on the instances as given."""
    scores: dict[int, dict[str, Any]] = {}
    for value, match in match_per_class(predicted, truth, iou_threshold).items():
        row = {name: getattr(match, field) for name, field in _SCORE_FIELDS.items()}
        row["map"] = mean_average_precision(
            _of_class(predicted[0], predicted[1], value), _of_class(truth[0], truth[1], value)
        )
        scores[value] = row
    return scores
