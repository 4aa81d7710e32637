"""IoU between every ground-truth and every predicted object, from one joint histogram."""

from __future__ import annotations

import numpy as np
from skimage.segmentation import relabel_sequential

__all__ = [
    "check_label_shapes",
    "iou_from_counts",
    "iou_matrix",
    "overlap_counts",
    "sequential_labels",
]


def sequential_labels(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def overlap_counts(
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
    check_label_shapes(pred_labels, gt_labels)
    gt_seq, gt_ids = sequential_labels(gt_labels)
    pred_seq, pred_ids = sequential_labels(pred_labels)
    joint, gt_area, pred_area = overlap_counts(gt_seq, pred_seq, len(gt_ids), len(pred_ids))
    return iou_from_counts(joint, gt_area, pred_area)


def iou_from_counts(joint: np.ndarray, gt_area: np.ndarray, pred_area: np.ndarray) -> np.ndarray:
    union = gt_area[:, None] + pred_area[None, :] - joint
    return np.divide(joint, union, out=np.zeros(joint.shape), where=union > 0)


def check_label_shapes(pred_labels: np.ndarray, gt_labels: np.ndarray) -> None:
    pred_shape, gt_shape = np.shape(pred_labels), np.shape(gt_labels)
    if pred_shape != gt_shape:
        raise ValueError(f"label images differ in shape: {pred_shape} vs {gt_shape}")
    if len(gt_shape) not in (2, 3):
        raise ValueError(f"expected 2D or 3D label images, got shape {gt_shape}")
