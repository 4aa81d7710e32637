"""Object precision, recall and F1 from one-to-one match counts.

The numbers StarDist, Cellpose and the 2018 Data Science Bowl report beside the mAP: with TP the
predicted nuclei paired one-to-one (``precision.true_positives_at``) with a true nucleus above an
IoU threshold, FP = predicted - TP and FN = true - TP,

    precision = TP / (TP + FP),  recall = TP / (TP + FN),  F1 = 2TP / (2TP + FP + FN).

Over many fields the counts are summed first and divided once (as the mAP is pooled), so an
empty field (no true, no predicted nucleus) adds nothing. A ratio whose denominator is 0 is
None: precision without a prediction, recall without a true nucleus, F1 with neither.
"""

from __future__ import annotations

__all__ = ["F1_IOU", "detection_scores", "threshold_key"]

# Above which IoU a one-to-one pair is a true positive for the reported F1 (strictly above, as
# the mAP's first threshold: the two agree on which pairs count).
F1_IOU = 0.5


def threshold_key(iou: float) -> str:
    """The suffix naming a threshold in stored keys: 0.5 -> "iou50", 0.7 -> "iou70"."""
    return f"iou{round(iou * 100):02d}"


def detection_scores(tp: int, n_gt: int, n_pred: int, iou: float) -> dict[str, float | None]:
    """``precision_<key>``, ``recall_<key>``, ``f1_<key>`` (``threshold_key(iou)``) of ``tp``
    pairs among ``n_gt`` true and ``n_pred`` predicted nuclei."""
    if not 0 <= tp <= min(n_gt, n_pred):
        raise ValueError(f"{tp} pairs cannot come from {n_gt} true and {n_pred} predicted nuclei")
    key = threshold_key(iou)
    return {
        f"precision_{key}": tp / n_pred if n_pred else None,
        f"recall_{key}": tp / n_gt if n_gt else None,
        f"f1_{key}": 2 * tp / (n_gt + n_pred) if n_gt + n_pred else None,
    }
