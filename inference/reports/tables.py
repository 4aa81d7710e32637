"""The report's tables and headline, shared by the report page and the standalone report: read
from the stored summary plus one grouped query (sections with a nucleus), never per row, so the
page stays fast for any number of sections."""

from __future__ import annotations

from collections import Counter
from typing import Any

from annotations.selectors.voxel_size import voxel_size_words
from inference.models import Evaluation, VolumeResult
from inference.services.evaluation.target import scored_class

from .figures import FIGURE_TITLES
from .labels import (
    AGGREGATIONS,
    AREA_METRICS,
    DETECTION_KEYS,
    METRICS,
    MIXED_METRICS,
    NUCLEUS_DEFINITION,
    SUBSETS,
    VOLUME_METRICS,
    method_label,
    prediction_split_label,
)
from .sections import nucleus_blocks, pooled_dice

__all__ = ["report_context"]


def _cell(block: dict | None, key: str) -> dict[str, Any]:
    """``{"mean", "std"}`` of a summary's number; a summary stored before one value had no SD
    gave it 0.0, so a cell over one value (``n``) has none either way."""
    value = (block or {}).get(key) or {}
    std = None if value.get("n") == 1 else value.get("std")
    return {"mean": value.get("mean"), "std": std}


def _row(scope: str, method: str, label: str, n, block: dict, aggregation: str) -> dict:
    return {
        "scope": scope,
        "method": method,
        "method_label": label,
        "n": n,
        "aggregation": aggregation,
        "cells": [_cell(block, k) for k, _ in METRICS],
    }


def _section_rows(by_method: dict, labels: dict[str, str]) -> list[dict[str, Any]]:
    """Whole set, mean over folds, each fold, each lab (when several): one row per method."""
    methods = [m for m in labels if m in by_method]
    rows = [
        _row(
            "Whole set",
            m,
            labels[m],
            by_method[m]["set"].get("sections"),
            by_method[m]["set"],
            "sections",
        )
        for m in methods
        if by_method[m].get("set")
    ]
    for m in methods:
        means = by_method[m].get("fold_means") or {}
        if means:
            folds = len(next(iter(means.values())).get("per_fold") or [])
            rows.append(_row("Mean ± SD over folds", m, labels[m], folds, means, "folds"))
    fold_keys = sorted(
        {k for m in methods for k in by_method[m].get("folds", {}) if k != "-1"}, key=int
    )
    for k in fold_keys:
        for m in methods:
            block = (by_method[m].get("folds") or {}).get(k)
            if block:
                rows.append(
                    _row(
                        f"Fold {int(k) + 1}", m, labels[m], block.get("sections"), block, "sections"
                    )
                )
    lab_keys = sorted({k for m in methods for k in by_method[m].get("labs", {})})
    if len(lab_keys) > 1:
        for k in lab_keys:
            for m in methods:
                block = (by_method[m].get("labs") or {}).get(k)
                if block:
                    rows.append(
                        _row(f"Lab {k}", m, labels[m], block.get("sections"), block, "sections")
                    )
    return rows


def _headline(
    by_subset: dict[str, dict], pooled: dict[str, Any], primary: str, label: str
) -> list[str]:
    parts = []
    for subset, by_method in by_subset.items():
        block = (by_method.get(primary) or {}).get("set") or {}
        dice = (block.get("dice") or {}).get("mean")
        if dice is not None:
            parts.append(f"{dice:.3f} over {SUBSETS[subset]} ({block.get('sections')})")
    folds = ((by_subset["all"].get(primary) or {}).get("fold_means") or {}).get("dice") or {}
    if folds.get("mean") is not None:
        spread = f" ± {folds['std']:.3f}" if folds.get("std") is not None else ""
        parts.append(
            f"{folds['mean']:.3f}{spread} over the folds' means (as the training job page)"
        )
    lines = [f"Dice of {label}, mean over sections: " + " · ".join(parts)] if parts else []
    not_scored = (by_subset["all"].get(primary) or {}).get("not_scored")
    if not_scored:
        lines.append(f"Dice of {label}: {not_scored}.")
    counts = pooled.get(primary) or {}
    if counts.get("set") is not None and not not_scored:
        line = f"pixels pooled over the set: {counts['set']:.3f}"
        if counts.get("fold_mean") is not None:
            line += (
                f" · pooled per fold, mean over {counts['folds']} folds: {counts['fold_mean']:.3f}"
            )
        lines.append(line[0].upper() + line[1:])
    return lines


def _volume_cell(block: dict, key: str, items: str) -> dict[str, Any]:
    """A cell of the volume table: over how many of the row's ``items`` when fewer (a volume
    without a voxel size, or a 2D field, has no µm³); one volume has no SD (``std`` None)."""
    cell = _cell(block, key)
    n, volumes = ((block.get(key) or {}).get("n"), block["volumes"])
    if n is not None and n < volumes:
        cell["over"] = f"{n} of {volumes} {items}"
    return cell


def _volume_rows(summary: dict, labels: dict[str, str], metrics) -> list[dict[str, Any]]:
    rows = []
    for method, label in labels.items():
        block = (summary.get("volumes") or {}).get(method) or {}
        if "area_difference_pct" not in block and metrics is AREA_METRICS:
            # Summarised before a field's difference had a key of its own: 2D fields only.
            block = block | {"area_difference_pct": block.get("volume_difference_pct")}
        if block.get("volumes"):
            # A set of 3D volumes and 2D fields counts images: a field is no volume.
            items = "images" if metrics is MIXED_METRICS else "volumes"
            cells = [_volume_cell(block, k, items) for k, _ in metrics]
            rows.append(
                {"method": method, "method_label": label, "n": block["volumes"], "cells": cells}
            )
    return rows


def _object_rows(summary: dict, labels: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for method, label in labels.items():
        block = (summary.get("objects") or {}).get(method) or {}
        if block.get("n_gt") or block.get("n_pred"):
            detection = [{"key": k, "value": block.get(k)} for k in DETECTION_KEYS]
            rows.append({"method": method, "method_label": label, **block, "detection": detection})
    return rows


def _class_rows(summary: dict, labels: dict[str, str]) -> list[dict[str, Any]]:
    """One row per class and method: section metrics over the set, 3D Dice, objects."""
    rows = []
    for cls in summary.get("classes") or []:
        for method, label in labels.items():
            by_method = (cls.get("by_method") or {}).get(method) or {}
            block = by_method.get("set")
            if not block:
                continue
            objects = (cls.get("objects") or {}).get(method) or {}
            rows.append(
                {
                    "class_name": cls["name"],
                    "class_value": cls["value"],
                    "kind": cls.get("kind") or "",
                    "method": method,
                    "method_label": label,
                    "n": block.get("sections"),
                    "cells": [_cell(block, k) for k, _ in METRICS],
                    "dice_3d": _cell((cls.get("volumes") or {}).get(method), "dice_3d"),
                    "objects": objects,
                    "not_scored": by_method.get("not_scored"),
                }
            )
    return rows


QUANTITY_KEYS = (
    "volume_um3",
    "count",
    "mean_object_volume_um3",
    "mean_ri",
    "concentration_pg_per_um3",
)


def _quantity_rows(summary: dict) -> list[dict[str, Any]]:
    """Per class: its quantities per predicted cell (paper 001), mean ± SD over cells."""
    return [
        {
            "class_name": cls["name"],
            "class_value": cls["value"],
            "cells": (cls.get("quantities") or {}).get("cells"),
            "stats": [_cell(cls["quantities"], k) for k in QUANTITY_KEYS],
        }
        for cls in summary.get("classes") or []
        if cls.get("quantities")
    ]


def _voxel_sizes(rows) -> list[dict[str, Any]]:
    """The voxel sizes the volumes' µm numbers were measured with (each volume's own when it was
    evaluated, kept though it be corrected since), and over how many volumes each."""
    by_volume = dict(rows.order_by().values_list("volume_id", "voxel_size"))
    counts = Counter(tuple(size) if size else None for size in by_volume.values())
    return [
        {"size": voxel_size_words(size) if size else "none", "volumes": n}
        for size, n in sorted(counts.items(), key=lambda item: (item[0] is None, item[0] or ()))
    ]


def report_context(evaluation: Evaluation) -> dict[str, Any]:
    summary = evaluation.summary or {}
    methods = summary.get("methods") or []
    labels = {m: method_label(evaluation, m) for m in methods}
    by_subset = {
        "all": summary.get("by_method") or {},
        "nucleus": nucleus_blocks(evaluation, methods),
    }
    tables = [
        {
            "id": "summary-table" if subset == "all" else "nucleus-table",
            "subset": subset,
            "title": SUBSETS[subset],
            "rows": _section_rows(by_method, labels),
        }
        for subset, by_method in by_subset.items()
    ]
    # When every scored section has a nucleus the second table would repeat the first.
    tables[1]["same_as_all"] = all(
        ((by_subset["nucleus"].get(m) or {}).get("set") or {}).get("sections")
        == ((by_subset["all"].get(m) or {}).get("set") or {}).get("sections")
        for m in methods
    )
    primary = summary.get("primary") or (methods[0] if methods else "")
    config = evaluation.config or {}
    rows = VolumeResult.objects.filter(evaluation=evaluation)
    has_3d, has_2d = (
        rows.filter(volume__size_z__gt=1).exists(),
        rows.filter(volume__size_z=1).exists(),
    )
    only_2d = has_2d and not has_3d
    volume_metrics = AREA_METRICS if only_2d else MIXED_METRICS if has_2d else VOLUME_METRICS
    return {
        "evaluation": evaluation,
        "summary": summary,
        "plan": config,
        "metric_labels": [label for _, label in METRICS],
        "volume_metric_labels": [label for _, label in volume_metrics],
        "section_tables": tables,
        "headline": _headline(
            by_subset, pooled_dice(evaluation, [primary]), primary, labels.get(primary, "")
        ),
        "aggregations": AGGREGATIONS,
        "nucleus_definition": NUCLEUS_DEFINITION,
        "has_folds": any(r["aggregation"] == "folds" for r in tables[0]["rows"]),
        "only_2d": only_2d,
        "mixed_2d_3d": has_2d and has_3d,
        "volume_rows": _volume_rows(summary, labels, volume_metrics),
        "voxel_sizes": _voxel_sizes(rows),
        "object_rows": _object_rows(summary, labels),
        "prediction_split": prediction_split_label(evaluation),
        "class_rows": _class_rows(summary, labels),
        "quantity_rows": _quantity_rows(summary),
        "timelapse": summary.get("timelapse") or [],
        "figure_titles": FIGURE_TITLES,
        "method_labels": labels,
        "model_label": labels.get("model") or "none — baselines only",
        "primary_label": labels.get(primary, ""),
        "set_label": evaluation.get_set_kind_display(),
        "gt_label": evaluation.get_gt_source_display(),
        "class_label": scored_class(evaluation)["name"],
        "baselines": config.get("baselines") or {},
    }
