"""A class nothing tested gets no pixel scores in an evaluation's aggregates.

Each section is scored by the per-section rule: a section empty in the ground truth and in the
prediction scores 1.0 on Dice, Jaccard, F0.5, precision and recall. A class that no scored
section holds, on either side, for a method would then show a perfect 1.0 over the set, though
nothing tested it (a class added to the label set but neither drawn nor predicted). Such a class
is **not scored** for that method: its means over sections, folds and labs and its 3D overlap
are null, with ``not_scored`` saying why, as training validation and mAP leave such a class out
(``inference/ml/engine/head_evaluation.py``, ``inference/ml/objects/pooled.py``). A class held
somewhere, by one section on one side, keeps the per-section rule everywhere. Only a method
that holds no class at all keeps the rule of one binary class (1.0: nothing to find, nothing
predicted), as training validation does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from inference.ml.metrics import SECTION_METRIC_KEYS

NOT_SCORED = (
    "not scored: no scored section holds this class, in the ground truth or in the prediction, "
    "so nothing tested it (each section empty on both sides would count as a perfect 1.0)"
)
# The volume numbers that are overlaps, 1.0 for a volume empty on both sides.
VOLUME_OVERLAP_KEYS = ("dice_3d", "jaccard_3d", "intersection_ratio")
_NONE = {"mean": None, "std": None, "n": 0}


def unscored_classes(rows: Iterable[Mapping[str, Any]]) -> dict[str, set[int]]:
    """{method: the class values no section row of that method holds in the ground truth or the
    prediction}; rows carry ``method``, ``class_value``, ``gt_pixels`` and ``pred_pixels``. A
    method whose rows hold no class at all has none (the per-section rule stands)."""
    seen: dict[str, set[int]] = defaultdict(set)
    held: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        seen[row["method"]].add(row["class_value"])
        if row["gt_pixels"] or row["pred_pixels"]:
            held[row["method"]].add(row["class_value"])
    return {
        method: values - held[method] if held[method] else set() for method, values in seen.items()
    }


def _metric_stats(block: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    out = dict(block)
    for key in keys:
        if key in out:
            stats = dict(_NONE)
            if "per_fold" in out[key]:
                stats["per_fold"] = [None] * len(out[key]["per_fold"])
            out[key] = stats
    return out


def unscored_section_block(block: dict[str, Any]) -> dict[str, Any]:
    """A method's section block (``set``, ``folds``, ``fold_means``, ``labs``) with every pixel
    score null and ``not_scored`` saying why; the section counts stay."""
    return block | {
        "set": _metric_stats(block.get("set") or {}, SECTION_METRIC_KEYS),
        "folds": {k: _metric_stats(v, SECTION_METRIC_KEYS) for k, v in block["folds"].items()},
        "fold_means": _metric_stats(block.get("fold_means") or {}, SECTION_METRIC_KEYS),
        "labs": {k: _metric_stats(v, SECTION_METRIC_KEYS) for k, v in block["labs"].items()},
        "not_scored": NOT_SCORED,
    }


def unscored_volume_block(block: dict[str, Any]) -> dict[str, Any]:
    """A method's volume block with its overlaps (3D Dice, Jaccard, intersection ratio) null."""
    return _metric_stats(block, VOLUME_OVERLAP_KEYS) | {"not_scored": NOT_SCORED}


def not_scored_methods(cls: Mapping[str, Any]) -> dict[str, str]:
    """{method: why} for the methods a summary's class block is not scored for."""
    return {
        method: block["not_scored"]
        for method, block in (cls.get("by_method") or {}).items()
        if block.get("not_scored")
    }
