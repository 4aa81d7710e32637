"""Object-level (per-nucleus) evaluation: instances, matching, NuSeT errors and mAP.

Works on 2D and 3D label images (0 = background, each nucleus one positive label).

Definitions, with their sources:

- **IoU matrix** between every ground-truth and every predicted object.
- **Correct detections** (paper 003): "correct detections denote the number of predicted cells
  that can link with ground truth cells, and incorrect detections refer to the number of
  unlinked cells from the prediction." Linking is a one-to-one Hungarian assignment
  (``scipy.optimize.linear_sum_assignment`` maximising total IoU) keeping pairs with
  IoU >= ``iou_threshold`` (0.7, the overlap paper 003 uses throughout).
- **F.N. / F.P. rate** (paper 003, verbatim): "given a nucleus' ground-truth binary mask, find
  the corresponding model-predicted mask that has the largest overlap ratio", with
  "overlap ratio = (A_GT ∩ A_pred) / A_GT"; "If the overlap ratio is smaller than 0.7, it is
  suggested that the model fails to detect the nucleus", and "F.N. rate = N_missing nuclei /
  N_total nuclei". For F.P.: "given a nucleus' model-predicted mask, find the corresponding
  ground-truth mask that has the largest overlap, if the overlap ratio of the model predicted
  mask and the ground-truth mask is smaller than 0.7, it is suggested that the model detects an
  'nucleus' that does not exist in the ground-truth", and "F.P. rate = N_mis-detections /
  N_total nuclei". We use the paper's one overlap-ratio formula (normalised by the GT area) for
  both, and, as printed, both rates are divided by the number of GROUND-TRUTH nuclei. With no
  GT nucleus the rates are NaN (the counts are still reported; pool counts over a data set
  and divide, as the paper's "in the entire dataset" does).
- **Split / merge / catastrophe** (paper 003): "Split, merge and catastrophe errors are subsets
  of incorrect detections, where split and merge errors describe the splitting and merging of
  ground truth cells into prediction cells, and catastrophe errors refer to the uneven matching
  of ground truth and prediction cells" - the details are in its refs 29 (Moen et al., DeepCell)
  and 30 (Caicedo et al. 2019). We link a GT and a predicted object when IoU > 0.1 (the value in
  ref 30's published evaluation code) and classify each connected group of linked objects as in
  ref 29: one GT with >= 2 predictions is a split (counted per GT nucleus), >= 2 GT with one
  prediction is a merge (counted per predicted object), >= 2 with >= 2 is a catastrophe
  (counted per group).
- **mAP** (paper 004, after the 2018 Data Science Bowl / Caicedo et al.): objects match "if the
  IoU of the two components is above a given threshold"; unmatched GT objects are FN and
  unmatched predictions FP; "Precision = TP / (TP + FP + FN)", computed "for all 10 IoU
  thresholds in {0.5 + i×0.05, i ∈ [0, 9]}. The final result is the mean of these 10 values".
  "Above" is strict (IoU > t). No object in either image ⇒ precision 1.0 at every threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage as ndi
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from skimage.measure import label as connected_label
from skimage.morphology import h_maxima
from skimage.segmentation import relabel_sequential, watershed

__all__ = [
    "ObjectMatch",
    "average_precision",
    "iou_matrix",
    "label_instances",
    "match_instances",
    "mean_average_precision",
    "object_scores",
]

SPLIT_MERGE_LINK_IOU = 0.1


# --------------------------------------------------------------------------------------------
# Instances
# --------------------------------------------------------------------------------------------


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


def _sequential(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Relabel to 1..N; returns (relabelled, original label of each new label 1..N)."""
    array = np.asarray(labels)
    if array.dtype == np.bool_:
        array = array.astype(np.int32)
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"label images must be integer (or bool), got {array.dtype}")
    if array.size and array.min() < 0:
        raise ValueError("label images must not contain negative labels")
    relabelled, forward, _ = relabel_sequential(array)
    originals = np.asarray(forward.in_values, dtype=np.int64)
    originals = originals[originals != 0]
    return relabelled, originals


def _overlaps(
    gt_seq: np.ndarray, pred_seq: np.ndarray, n_gt: int, n_pred: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intersection counts (n_gt, n_pred) and object areas, from one joint histogram."""
    gt_flat = gt_seq.ravel().astype(np.int64)
    pred_flat = pred_seq.ravel().astype(np.int64)
    both = (gt_flat > 0) & (pred_flat > 0)
    joint = np.bincount(
        (gt_flat[both] - 1) * n_pred + (pred_flat[both] - 1), minlength=n_gt * n_pred
    ).reshape(n_gt, n_pred)
    gt_area = np.bincount(gt_flat, minlength=n_gt + 1)[1:]
    pred_area = np.bincount(pred_flat, minlength=n_pred + 1)[1:]
    return joint, gt_area, pred_area


def iou_matrix(pred_labels: np.ndarray, gt_labels: np.ndarray) -> np.ndarray:
    """IoU of every GT object (rows, in increasing label order) with every predicted object."""
    _check_shapes(pred_labels, gt_labels)
    gt_seq, gt_ids = _sequential(gt_labels)
    pred_seq, pred_ids = _sequential(pred_labels)
    joint, gt_area, pred_area = _overlaps(gt_seq, pred_seq, len(gt_ids), len(pred_ids))
    return _iou_from(joint, gt_area, pred_area)


def _iou_from(joint: np.ndarray, gt_area: np.ndarray, pred_area: np.ndarray) -> np.ndarray:
    union = gt_area[:, None] + pred_area[None, :] - joint
    return np.divide(joint, union, out=np.zeros(joint.shape), where=union > 0)


def _check_shapes(pred_labels: np.ndarray, gt_labels: np.ndarray) -> None:
    pred_shape, gt_shape = np.shape(pred_labels), np.shape(gt_labels)
    if pred_shape != gt_shape:
        raise ValueError(f"label images differ in shape: {pred_shape} vs {gt_shape}")
    if len(gt_shape) not in (2, 3):
        raise ValueError(f"expected 2D or 3D label images, got shape {gt_shape}")


# --------------------------------------------------------------------------------------------
# Matching and NuSeT errors
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectMatch:
    """Result of :func:`match_instances` (see the module docstring for every definition).

    ``iou`` is (n_gt, n_pred) with rows/columns in increasing label order of ``gt_ids`` /
    ``pred_ids``; ``matches`` are ``(gt_label, pred_label, iou)`` with original labels.
    """

    iou: np.ndarray
    gt_ids: np.ndarray
    pred_ids: np.ndarray
    matches: list[tuple[int, int, float]]
    n_gt: int
    n_pred: int
    correct_detections: int
    incorrect_detections: int
    false_negatives: int
    false_positives: int
    false_negative_rate: float
    false_positive_rate: float
    split_count: int
    merge_count: int
    catastrophe_count: int
    split_gt_ids: list[int] = field(default_factory=list)
    merge_pred_ids: list[int] = field(default_factory=list)


def match_instances(
    pred_labels: np.ndarray,
    gt_labels: np.ndarray,
    iou_threshold: float = 0.7,
    *,
    overlap_threshold: float = 0.7,
    link_iou: float = SPLIT_MERGE_LINK_IOU,
) -> ObjectMatch:
    """Match predicted to ground-truth nuclei and count paper 003's object-level errors.

    ``iou_threshold``: minimum IoU of a Hungarian pair to count as a correct detection.
    ``overlap_threshold``: paper 003's 0.7 on the overlap ratio |GT ∩ pred| / |GT| for the F.N.
    and F.P. rates. ``link_iou``: IoU above which objects are linked for split/merge/catastrophe.
    """
    _check_shapes(pred_labels, gt_labels)
    gt_seq, gt_ids = _sequential(gt_labels)
    pred_seq, pred_ids = _sequential(pred_labels)
    n_gt, n_pred = len(gt_ids), len(pred_ids)
    joint, gt_area, pred_area = _overlaps(gt_seq, pred_seq, n_gt, n_pred)
    iou = _iou_from(joint, gt_area, pred_area)

    matches: list[tuple[int, int, float]] = []
    if n_gt and n_pred:
        rows, cols = linear_sum_assignment(iou, maximize=True)
        for r, c in zip(rows, cols):
            if iou[r, c] >= iou_threshold:
                matches.append((int(gt_ids[r]), int(pred_ids[c]), float(iou[r, c])))

    # Paper 003's overlap ratio, one formula for both directions: |GT ∩ pred| / |GT|.
    overlap_ratio = np.divide(
        joint, gt_area[:, None], out=np.zeros(joint.shape), where=gt_area[:, None] > 0
    )
    best_for_gt = overlap_ratio.max(axis=1) if n_pred else np.zeros(n_gt)
    best_for_pred = overlap_ratio.max(axis=0) if n_gt else np.zeros(n_pred)
    false_negatives = int(np.count_nonzero(best_for_gt < overlap_threshold))
    false_positives = int(np.count_nonzero(best_for_pred < overlap_threshold))
    fn_rate = false_negatives / n_gt if n_gt else float("nan")
    fp_rate = false_positives / n_gt if n_gt else float("nan")

    split_gt, merge_pred, catastrophes = _split_merge(iou > link_iou)

    return ObjectMatch(
        iou=iou,
        gt_ids=gt_ids,
        pred_ids=pred_ids,
        matches=matches,
        n_gt=n_gt,
        n_pred=n_pred,
        correct_detections=len(matches),
        incorrect_detections=n_pred - len(matches),
        false_negatives=false_negatives,
        false_positives=false_positives,
        false_negative_rate=fn_rate,
        false_positive_rate=fp_rate,
        split_count=len(split_gt),
        merge_count=len(merge_pred),
        catastrophe_count=catastrophes,
        split_gt_ids=[int(gt_ids[i]) for i in split_gt],
        merge_pred_ids=[int(pred_ids[j]) for j in merge_pred],
    )


def _split_merge(links: np.ndarray) -> tuple[list[int], list[int], int]:
    """Classify the connected groups of the bipartite link graph (rows GT, columns pred).

    Returns (GT indices that were split, pred indices that merge, number of catastrophes).
    """
    n_gt, n_pred = links.shape
    if n_gt == 0 or n_pred == 0 or not links.any():
        return [], [], 0
    rows, cols = np.nonzero(links)
    graph = coo_matrix(
        (np.ones(rows.size), (rows, n_gt + cols)), shape=(n_gt + n_pred, n_gt + n_pred)
    )
    _, component = connected_components(graph, directed=False)
    gt_component, pred_component = component[:n_gt], component[n_gt:]
    split_gt: list[int] = []
    merge_pred: list[int] = []
    catastrophes = 0
    for group in np.unique(component[n_gt + cols]):
        gts = np.flatnonzero(gt_component == group)
        preds = np.flatnonzero(pred_component == group)
        if len(gts) == 1 and len(preds) >= 2:
            split_gt.append(int(gts[0]))
        elif len(gts) >= 2 and len(preds) == 1:
            merge_pred.append(int(preds[0]))
        elif len(gts) >= 2 and len(preds) >= 2:
            catastrophes += 1
    return split_gt, merge_pred, catastrophes


# --------------------------------------------------------------------------------------------
# mAP
# --------------------------------------------------------------------------------------------

DEFAULT_MAP_THRESHOLDS = np.round(np.arange(0.5, 1.0, 0.05), 2)


def _true_positives_at(iou: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Matched pairs with IoU > t for each t (one-to-one; Hungarian on IoU)."""
    if iou.size == 0:
        return np.zeros(len(thresholds), dtype=np.int64)
    # For t >= 0.5 a pair above t is unique anyway; the assignment also keeps lower t honest.
    rows, cols = linear_sum_assignment(iou, maximize=True)
    matched = iou[rows, cols]
    return np.array([int(np.count_nonzero(matched > t)) for t in thresholds], dtype=np.int64)


def average_precision(
    pred_labels: np.ndarray, gt_labels: np.ndarray, thresholds: Sequence[float] | np.ndarray
) -> np.ndarray:
    """TP / (TP + FP + FN) at each IoU threshold (paper 004, eq. 5); 1.0 when both are empty."""
    thresholds_arr = np.asarray(thresholds, dtype=np.float64)
    iou = iou_matrix(pred_labels, gt_labels)
    n_gt, n_pred = iou.shape
    tp = _true_positives_at(iou, thresholds_arr)
    denominator = n_gt + n_pred - tp  # TP + FP + FN
    return np.where(denominator > 0, tp / np.maximum(denominator, 1), 1.0)


def mean_average_precision(
    pred_labels: np.ndarray,
    gt_labels: np.ndarray,
    thresholds: Sequence[float] | np.ndarray = DEFAULT_MAP_THRESHOLDS,
) -> float:
    """Mean over IoU thresholds (default 0.50:0.05:0.95) of TP / (TP + FP + FN)."""
    # Rounded so 0.7 means 0.7 and not np.arange's 0.7000000000000002.
    thresholds_arr = np.round(np.asarray(thresholds, dtype=np.float64), 10)
    if thresholds_arr.size == 0:
        raise ValueError("thresholds must not be empty")
    return float(np.mean(average_precision(pred_labels, gt_labels, thresholds_arr)))


def object_scores(
    pred_mask: np.ndarray, gt_mask: np.ndarray, iou_threshold: float = 0.7
) -> dict[str, float]:
    """Object-level numbers of a binary prediction against a binary ground truth (3D or 2D):
    paper 003's counts and rates at ``iou_threshold`` and the mAP over IoU 0.50:0.05:0.95."""
    pred_labels, gt_labels = label_instances(pred_mask), label_instances(gt_mask)
    match = match_instances(pred_labels, gt_labels, iou_threshold)
    return {
        "n_gt": match.n_gt,
        "n_pred": match.n_pred,
        "correct": match.correct_detections,
        "incorrect": match.incorrect_detections,
        "false_negatives": match.false_negatives,
        "false_positives": match.false_positives,
        "fn_rate": match.false_negative_rate,
        "fp_rate": match.false_positive_rate,
        "split": match.split_count,
        "merge": match.merge_count,
        "catastrophe": match.catastrophe_count,
        "map": mean_average_precision(pred_labels, gt_labels),
    }
