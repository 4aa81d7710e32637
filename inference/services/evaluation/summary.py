"""An evaluation's aggregates, computed once from the stored rows into ``Evaluation.summary``
(mean ± sample SD), so the report page never loops over rows."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from inference.ml.metrics import SECTION_METRIC_KEYS, aggregate, finite_or_none
from inference.ml.objects import COUNT_KEYS, F1_IOU, detection_scores, threshold_key
from inference.ml.pr import PRCounts
from inference.models import Evaluation, EvaluationMethod, SectionResult, VolumeResult
from inference.services.evaluation.absent import (
    unscored_classes,
    unscored_section_block,
    unscored_volume_block,
)
from inference.services.evaluation.target import scored_class
from inference.services.evaluation.volume_numbers import OBJECT_IOU

METRIC_KEYS = SECTION_METRIC_KEYS
VOLUME_KEYS = (
    "dice_3d",
    "jaccard_3d",
    "intersection_ratio",
    "volume_difference_um3",
    "volume_difference_pct",
)
PR_POINTS = 101


def pr_curve_summary(counts: PRCounts) -> dict[str, Any]:
    """A method's pooled PR curve as stored in the summary (rounded, JSON-safe)."""
    precision, recall, thresholds = counts.curve()
    total, pixels = counts.positives, counts.pixels
    return {
        "thresholds": [round(float(t), 4) for t in thresholds],
        "precision": [finite_or_none(round(float(p), 6)) for p in precision],
        "recall": [finite_or_none(round(float(r), 6)) if total else None for r in recall],
        "positives": total,
        "pixels": pixels,
        # Everything predicted: the curve's other end (recall 1 at the prevalence).
        "prevalence": round(total / pixels, 6) if pixels else None,
    }


def _stats(values: list[float | None]) -> dict[str, Any]:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    mean, std = aggregate(finite) if finite else (math.nan, math.nan)
    return {"mean": finite_or_none(mean), "std": finite_or_none(std), "n": len(finite)}


def _metric_block(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: _stats([r[key] for r in rows]) for key in METRIC_KEYS} | {"sections": len(rows)}


def _method_label(method: str) -> str:
    return dict(EvaluationMethod.choices).get(method, method)


def _section_blocks(methods: list[str], rows: list[dict]) -> dict[str, Any]:
    by_method: dict[str, Any] = {}
    for method in methods:
        mine = [r for r in rows if r["method"] == method]
        if not mine:
            continue
        folds: dict[int, list] = defaultdict(list)
        labs: dict[str, list] = defaultdict(list)
        for r in mine:
            folds[r["fold_index"]].append(r)
            labs[r["specimen__lab"] or "—"].append(r)
        fold_blocks = {str(k): _metric_block(v) for k, v in sorted(folds.items())}
        fold_means = {}
        if len(folds) > 1 or (folds and -1 not in folds):
            for key in METRIC_KEYS:
                per_fold = [fold_blocks[str(k)][key]["mean"] for k in sorted(folds)]
                fold_means[key] = _stats(per_fold) | {"per_fold": per_fold}
        by_method[method] = {
            "label": _method_label(method),
            "set": _metric_block(mine),
            "folds": fold_blocks,
            "fold_means": fold_means,
            "labs": {k: _metric_block(v) for k, v in sorted(labs.items())},
        }
    return by_method


def _pooled_objects(mine: list[VolumeResult]) -> dict[str, Any]:
    """Object counts summed over volumes, rates and object precision / recall / F1 from the
    sums (every section of every volume pooled), mAP mean ± SD over volumes."""
    with_objects = [v for v in mine if v.object_metrics]
    if not with_objects:
        return {}
    pooled: dict[str, Any] = dict.fromkeys(COUNT_KEYS, 0)
    for v in with_objects:
        for key in COUNT_KEYS:
            pooled[key] += int(v.object_metrics.get(key) or 0)
    n_gt = pooled["n_gt"]
    pooled["fn_rate"] = pooled["false_negatives"] / n_gt if n_gt else None
    pooled["fp_rate"] = pooled["false_positives"] / n_gt if n_gt else None
    pooled["map"] = _stats([v.object_metrics.get("map") for v in with_objects])
    pooled |= _detection(with_objects, pooled["n_gt"], pooled["n_pred"])
    pooled |= detection_scores(pooled["correct"], n_gt, pooled["n_pred"], OBJECT_IOU)
    for key in ("gt_instances", "pred_instances"):
        names = {v.object_metrics.get(key) for v in with_objects} - {None}
        pooled[key] = " + ".join(sorted(names)) if names else None
    return pooled


def _detection(with_objects: list[VolumeResult], n_gt: int, n_pred: int) -> dict[str, Any]:
    """Pooled precision / recall / F1 at IoU > 0.5; None for all when a volume was scored
    before its pairs at 0.5 were stored."""
    key = f"tp_{threshold_key(F1_IOU)}"
    pairs = [v.object_metrics.get(key) for v in with_objects]
    if any(tp is None for tp in pairs):
        return {key: None} | dict.fromkeys(detection_scores(0, 0, 0, F1_IOU))
    return {key: sum(pairs)} | detection_scores(sum(pairs), n_gt, n_pred, F1_IOU)


def _volume_blocks(methods: list[str], volume_rows: list[VolumeResult]) -> tuple[dict, dict]:
    volumes: dict[str, Any] = {}
    objects: dict[str, Any] = {}
    for method in methods:
        mine = [v for v in volume_rows if v.method == method and v.gt_sections]
        if not any(v.method == method for v in volume_rows):
            continue
        block = {key: _stats([getattr(v, key) for v in mine]) for key in VOLUME_KEYS}
        # A 2D field's difference in % is its area's: never averaged with a volume's.
        flat = [v.volume.size_z == 1 for v in mine]
        for key, of_fields in (("volume_difference_pct", False), ("area_difference_pct", True)):
            block[key] = _stats(
                [v.volume_difference_pct for v, f in zip(mine, flat) if f == of_fields]
            )
        block["abs_volume_difference_um3"] = _stats(
            [
                abs(v.volume_difference_um3) if v.volume_difference_um3 is not None else None
                for v in mine
            ]
        )
        block["volumes"] = len(mine)
        volumes[method] = block
        objects[method] = _pooled_objects(mine)
    return volumes, objects


def _job_metrics(primary_block: dict) -> dict[str, Any]:
    job_metrics = {}
    for key in METRIC_KEYS:
        if primary_block.get("fold_means"):
            job_metrics[key] = primary_block["fold_means"][key]
        elif primary_block:
            s = primary_block["set"][key]
            job_metrics[key] = {"mean": s["mean"], "std": s["std"]}
    return job_metrics


def _class_block(cls, methods, primary, rows, volume_rows, pr_curves, unscored) -> dict[str, Any]:
    """One class's blocks; ``unscored``: {method: class values nothing tested} (absent.py)."""
    value = cls["value"]
    by_method = _section_blocks(methods, [r for r in rows if r["class_value"] == value])
    volumes, objects = _volume_blocks(methods, [v for v in volume_rows if v.class_value == value])
    for method in [m for m in by_method if value in unscored.get(m, ())]:
        by_method[method] = unscored_section_block(by_method[method])
        if method in volumes:
            volumes[method] = unscored_volume_block(volumes[method])
    return {
        "value": value,
        "name": cls["name"],
        "kind": cls.get("kind"),
        "metrics": _job_metrics(by_method.get(primary) or {}),
        "by_method": by_method,
        "volumes": volumes,
        "objects": objects,
        "pr_curves": pr_curves.get(str(value)) or {},
        "quantities": _quantities(
            [v for v in volume_rows if v.class_value == value and v.quantities]
        ),
    }


def _quantities(rows: list[VolumeResult]) -> dict[str, Any]:
    """Per-cell quantities of the class over the set: mean ± SD over cells."""
    cells = [q for v in rows for q in v.quantities]
    if not cells:
        return {}
    keys = ("volume_um3", "count", "mean_object_volume_um3", "mean_ri", "concentration_pg_per_um3")
    return {key: _stats([c.get(key) for c in cells]) for key in keys} | {"cells": len(cells)}


def summarize(
    evaluation: Evaluation, *, pr_curves: dict[str, dict] | None = None
) -> dict[str, Any]:
    """Every aggregate the report shows, from the stored rows (mean ± sample SD), per class.

    Per class and method: over all sections of the set, per fold (and mean ± SD of the fold
    means, the paper's way), per lab; per volume (3D); objects pooled over volumes; per-cell
    quantities. The top-level blocks are the target class's (``class``); ``classes`` lists every
    class scored. A class no scored section holds on either side has null pixel scores and a
    ``not_scored`` reason for that method (absent.py). ``pr_curves``: {class value: {method:
    curve}}.
    """
    methods = list((evaluation.config or {}).get("methods") or [])
    primary = methods[0] if methods else "edge"
    target = scored_class(evaluation)
    rows = list(
        SectionResult.objects.filter(evaluation=evaluation).values(
            "method",
            "class_value",
            "fold_index",
            "specimen__lab",
            "gt_pixels",
            "pred_pixels",
            *METRIC_KEYS,
        )
    )
    volume_rows = list(
        VolumeResult.objects.filter(evaluation=evaluation)
        .select_related("specimen", "volume")
        .order_by("specimen__name", "time_index", "volume_id", "method", "class_value")
    )
    classes = list((evaluation.config or {}).get("classes") or [target])
    unscored = unscored_classes(rows)
    blocks = [
        _class_block(c, methods, primary, rows, volume_rows, pr_curves or {}, unscored)
        for c in classes
    ]
    main = next((b for b in blocks if b["value"] == target["value"]), blocks[0])

    timelapse = []
    series_method = primary
    per_specimen: dict[int, list[VolumeResult]] = defaultdict(list)
    for v in volume_rows:
        if v.method == series_method and v.class_value == main["value"]:
            per_specimen[v.specimen_id].append(v)
    for _specimen_id, items in per_specimen.items():
        times = sorted({v.time_index for v in items})
        if len(times) < 2:
            continue
        items.sort(key=lambda v: (v.time_index, v.volume_id))
        timelapse.append(
            {
                "specimen": items[0].specimen.name,
                "specimen_id": items[0].specimen_id,
                "method": series_method,
                "points": [_largest(v.time_index, v.nuclei) for v in items],
                "gt_points": [_largest(v.time_index, v.gt_nuclei) for v in items if v.gt_nuclei],
            }
        )

    return {
        "threshold": evaluation.threshold,
        # Whether touching predicted nuclei were separated before objects were scored.
        "split_touching": evaluation.split_touching,
        "class": target,
        "classes": blocks,
        "methods": methods,
        "primary": primary,
        "metrics": main["metrics"],
        "by_method": main["by_method"],
        "volumes": main["volumes"],
        "objects": main["objects"],
        "pr_curves": main["pr_curves"],
        "timelapse": timelapse,
        "sections": len(
            [r for r in rows if r["method"] == primary and r["class_value"] == main["value"]]
        ),
        "volume_count": len({v.volume_id for v in volume_rows}),
        "std": "sample standard deviation (over sections; over folds for the fold means; over "
        "cells for quantities); null over one value, which has none",
    }


def _largest(time_index: int, nuclei: list[dict]) -> dict[str, Any]:
    top = nuclei[0] if nuclei else {}
    return {
        "time_index": time_index,
        "volume_um3": top.get("volume_um3"),
        "surface_area_um2": top.get("surface_area_um2"),
        "mean_ri": top.get("mean_ri"),
        "concentration_pg_per_um3": top.get("concentration_pg_per_um3"),
        "nuclei": len(nuclei),
    }
