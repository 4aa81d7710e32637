"""An evaluation's aggregates, computed once from the stored rows into ``Evaluation.summary``
(mean ± sample SD), so the report page never loops over rows."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from inference.ml.metrics import aggregate, finite_or_none
from inference.ml.pr import PRCounts
from inference.models import Evaluation, EvaluationMethod, SectionResult, VolumeResult
from inference.services.evaluation.target import scored_class

METRIC_KEYS = ("dice", "jaccard", "f05", "precision", "recall", "auc_pr")
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


def summarize(
    evaluation: Evaluation, *, pr_curves: dict[str, dict] | None = None
) -> dict[str, Any]:
    """Every aggregate the report shows, from the stored rows (mean ± sample SD).

    Per method: over all sections of the set, per fold (and mean ± SD of the fold means, the
    paper's way), per lab; per volume (3D); objects pooled over volumes; time-lapse series.
    """
    methods = list((evaluation.config or {}).get("methods") or [])
    primary = methods[0] if methods else "edge"
    rows = list(
        SectionResult.objects.filter(evaluation=evaluation).values(
            "method", "fold_index", "specimen__lab", *METRIC_KEYS
        )
    )
    by_method: dict[str, Any] = {}
    for method in methods:
        mine = [r for r in rows if r["method"] == method]
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

    volume_rows = list(
        VolumeResult.objects.filter(evaluation=evaluation)
        .select_related("specimen")
        .order_by("specimen__name", "time_index", "volume_id", "method")
    )
    volumes: dict[str, Any] = {}
    objects: dict[str, Any] = {}
    for method in methods:
        mine = [v for v in volume_rows if v.method == method and v.gt_sections]
        block = {key: _stats([getattr(v, key) for v in mine]) for key in VOLUME_KEYS}
        block["abs_volume_difference_um3"] = _stats(
            [
                abs(v.volume_difference_um3) if v.volume_difference_um3 is not None else None
                for v in mine
            ]
        )
        block["volumes"] = len(mine)
        volumes[method] = block
        pooled: dict[str, Any] = defaultdict(int)
        maps = []
        for v in mine:
            for key in (
                "n_gt",
                "n_pred",
                "correct",
                "incorrect",
                "false_negatives",
                "false_positives",
                "split",
                "merge",
                "catastrophe",
            ):
                pooled[key] += int((v.object_metrics or {}).get(key) or 0)
            maps.append((v.object_metrics or {}).get("map"))
        pooled = dict(pooled)
        n_gt = pooled.get("n_gt", 0)
        pooled["fn_rate"] = pooled.get("false_negatives", 0) / n_gt if n_gt else None
        pooled["fp_rate"] = pooled.get("false_positives", 0) / n_gt if n_gt else None
        pooled["map"] = _stats(maps)
        objects[method] = pooled

    timelapse = []
    series_method = primary
    per_specimen: dict[int, list[VolumeResult]] = defaultdict(list)
    for v in volume_rows:
        if v.method == series_method:
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

    primary_block = by_method.get(primary) or {}
    job_metrics = {}
    for key in METRIC_KEYS:
        if primary_block.get("fold_means"):
            job_metrics[key] = primary_block["fold_means"][key]
        elif primary_block:
            s = primary_block["set"][key]
            job_metrics[key] = {"mean": s["mean"], "std": s["std"]}
    return {
        "threshold": evaluation.threshold,
        "class": scored_class(evaluation),
        "methods": methods,
        "primary": primary,
        "metrics": job_metrics,
        "by_method": by_method,
        "volumes": volumes,
        "objects": objects,
        "pr_curves": pr_curves or {},
        "timelapse": timelapse,
        "sections": len([r for r in rows if r["method"] == primary]),
        "volume_count": len({v.volume_id for v in volume_rows}),
        "std": "sample standard deviation (over sections; over folds for the fold means)",
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
