"""One-to-one matching of predicted to ground-truth nuclei and paper 003's object errors."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .overlap import check_label_shapes, iou_from_counts, overlap_counts, sequential_labels

__all__ = ["SPLIT_MERGE_LINK_IOU", "ObjectMatch", "match_instances"]

SPLIT_MERGE_LINK_IOU = 0.1


@dataclass(frozen=True)
class ObjectMatch:
    """Result of :func:`match_instances` (see the package docstring for every definition).

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
    check_label_shapes(pred_labels, gt_labels)
    gt_seq, gt_ids = sequential_labels(gt_labels)
    pred_seq, pred_ids = sequential_labels(pred_labels)
    n_gt, n_pred = len(gt_ids), len(pred_ids)
    joint, gt_area, pred_area = overlap_counts(gt_seq, pred_seq, n_gt, n_pred)
    iou = iou_from_counts(joint, gt_area, pred_area)

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
