"""Object numbers pooled over many 2D fields (the sections of a volume with ground truth).

Each field is matched on its own (:func:`match_instances`, one-to-one Hungarian on IoU), so an
instance id only has to be unique within its field: instance maps drawn section by section
number their nuclei independently. Counts are summed over the fields; paper 003's rates divide
the summed misses and mis-detections by the summed ground-truth nuclei; the mAP pools the true
positives at every IoU threshold, mAP = mean over t of ΣTP_t / (ΣTP_t + ΣFP_t + ΣFN_t), so an
empty field adds nothing (a field-by-field mean would score every empty field 1.0). Object
precision, recall and F1 (``detection``) pool the same way: at IoU > 0.5 from the mAP's
one-to-one pairs (``tp_iou50``), and at the correct detections' IoU ≥ ``iou_threshold``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .detection import F1_IOU, detection_scores, threshold_key
from .matching import match_instances
from .precision import DEFAULT_MAP_THRESHOLDS, true_positives_at

__all__ = ["COUNT_KEYS", "PooledObjects", "class_map_score"]

COUNT_KEYS = (
    "n_gt",
    "n_pred",
    "correct",
    "incorrect",
    "false_negatives",
    "false_positives",
    "split",
    "merge",
    "catastrophe",
)


class PooledObjects:
    """Add field after field (:meth:`add`); :meth:`scores` gives the pooled numbers."""

    def __init__(self, iou_threshold: float = 0.7, thresholds=DEFAULT_MAP_THRESHOLDS):
        self.iou_threshold = iou_threshold
        self.thresholds = np.round(np.asarray(thresholds, dtype=np.float64), 10)
        self.counts = dict.fromkeys(COUNT_KEYS, 0)
        self.tp_at = np.zeros(len(self.thresholds), dtype=np.int64)
        self.tp_f1 = 0  # one-to-one pairs with IoU > F1_IOU
        self.fields = 0

    def add(self, pred_labels: np.ndarray, gt_labels: np.ndarray) -> None:
        """One field's predicted and true instances (2D integer maps, 0 = none)."""
        match = match_instances(pred_labels, gt_labels, self.iou_threshold)
        for key, value in (
            ("n_gt", match.n_gt),
            ("n_pred", match.n_pred),
            ("correct", match.correct_detections),
            ("incorrect", match.incorrect_detections),
            ("false_negatives", match.false_negatives),
            ("false_positives", match.false_positives),
            ("split", match.split_count),
            ("merge", match.merge_count),
            ("catastrophe", match.catastrophe_count),
        ):
            self.counts[key] += int(value)
        # One assignment gives the pairs at the mAP's thresholds and at F1_IOU.
        tp = true_positives_at(match.iou, np.append(self.thresholds, F1_IOU))
        self.tp_at += tp[:-1]
        self.tp_f1 += int(tp[-1])
        self.fields += 1

    def scores(self) -> dict[str, Any]:
        """The summed counts, paper 003's F.N./F.P. rates (None without a true nucleus), the
        pooled mAP (1.0 when no field holds an object on either side) and the pooled object
        precision, recall and F1 at IoU > 0.5 and at IoU ≥ ``iou_threshold``."""
        n_gt, n_pred = self.counts["n_gt"], self.counts["n_pred"]
        denominator = n_gt + n_pred - self.tp_at
        precision = np.where(denominator > 0, self.tp_at / np.maximum(denominator, 1), 1.0)
        return {
            **self.counts,
            "fn_rate": self.counts["false_negatives"] / n_gt if n_gt else None,
            "fp_rate": self.counts["false_positives"] / n_gt if n_gt else None,
            "map": float(np.mean(precision)),
            f"tp_{threshold_key(F1_IOU)}": self.tp_f1,
            **detection_scores(self.tp_f1, n_gt, n_pred, F1_IOU),
            **detection_scores(self.counts["correct"], n_gt, n_pred, self.iou_threshold),
            "fields": self.fields,
        }


def class_map_score(scores: dict[str, Any]) -> float | None:
    """The pooled mAP of one class's objects (``PooledObjects.scores()``), or None when neither
    side holds an object of the class: with no true and no predicted object there is nothing to
    match, as object F1 says (None), so a class absent from the ground truth and the prediction
    gets no mAP rather than a perfect 1.0 that would lift a mean over classes or volumes."""
    if not scores["n_gt"] and not scores["n_pred"]:
        return None
    return scores["map"]
