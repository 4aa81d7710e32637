"""Evaluation reports, built only from what an evaluation stored (rows, summary, mask TIFFs,
ground-truth versions, volumes), so rendering again gives the same numbers and pictures.

- Figures (Matplotlib, Agg, no pyplot state): PR curves per method, box plots of per-section
  Dice, predicted-vs-GT nucleus volume with Bland–Altman, orthogonal views (xy/xz/yz) of a 3D
  prediction against its ground truth, time-lapse curves, and the worst sections' overlays
  (ground truth red, model yellow, edge-based cyan, as in paper 000's figures).
- A self-contained HTML report: the figures embedded as base64 PNG, the tables inline.
- One CSV of every per-section and per-volume number, with a ``level`` column ("section" or
  "volume") so a single file loads into any spreadsheet or data frame; columns that do not apply
  to a level are empty.
- Transparent contour layers (PNG, the section's own size) for the gallery overlays.
"""

from __future__ import annotations

import base64
import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import numpy as np
import tifffile
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image
from scipy import ndimage as ndi

from annotations.imaging.masks import decode_mask
from annotations.imaging.render import to_uint8
from annotations.imaging.ri import decode_ri
from annotations.models import GroundTruth, Modality, Section
from annotations.services.volumes import volume_array
from inference.models import Evaluation, EvaluationMethod, SectionResult, VolumeResult

__all__ = [
    "CSV_COLUMNS",
    "FIGURES",
    "LAYER_COLOURS",
    "compare_figure_png",
    "figure_path",
    "layer_png",
    "report_context",
    "report_figures",
    "report_html",
    "report_write",
    "results_csv_rows",
    "volume_result_mask",
]

FIGURES = ("pr_curves", "dice_boxplot", "volume_agreement", "orthogonal", "timelapse", "worst")
FIGURE_TITLES = {
    "pr_curves": "Precision-recall curves (pixels pooled over the set)",
    "dice_boxplot": "Per-section Dice",
    "volume_agreement": "Nucleus volume: prediction vs ground truth, and Bland–Altman",
    "orthogonal": "Orthogonal views of a 3D prediction",
    "timelapse": "Time-lapse: the largest predicted nucleus over time",
    "worst": "Worst sections",
}
METRICS = (
    ("dice", "Dice"),
    ("jaccard", "Jaccard"),
    ("f05", "F0.5"),
    ("precision", "Precision"),
    ("recall", "Recall"),
    ("auc_pr", "AUC-PR"),
)
VOLUME_METRICS = (
    ("dice_3d", "3D Dice"),
    ("intersection_ratio", "Volume intersection ratio"),
    ("abs_volume_difference_um3", "|Volume difference| (µm³)"),
    ("volume_difference_pct", "Volume difference (%)"),
)
METHOD_COLOURS = {"model": "#f5b301", "edge": "#00a5c8", "otsu": "#7c3aed"}
LAYER_COLOURS = {"gt": (255, 45, 45), "pred": (255, 225, 25), "edge": (0, 229, 255)}
DPI = 100
WORST_COUNT = 6
CSV_COLUMNS = (
    "level",
    "method",
    "fold",
    "specimen",
    "lab",
    "volume_id",
    "time_index",
    "section_id",
    "z",
    "ground_truth_id",
    "dice",
    "jaccard",
    "f05",
    "precision",
    "recall",
    "auc_pr",
    "gt_pixels",
    "pred_pixels",
    "tp",
    "fp",
    "fn",
    "gt_sections",
    "pred_volume_um3",
    "gt_volume_um3",
    "volume_difference_um3",
    "volume_difference_pct",
    "volume_intersection_ratio",
    "dice_3d",
    "jaccard_3d",
    "objects_gt",
    "objects_pred",
    "objects_correct",
    "objects_fn_rate",
    "objects_fp_rate",
    "objects_split",
    "objects_merge",
    "objects_map",
    "nuclei",
    "largest_nucleus_volume_um3",
    "largest_nucleus_surface_um2",
    "largest_nucleus_mean_ri",
    "largest_nucleus_concentration",
)


def method_label(evaluation: Evaluation, method: str) -> str:
    if method == EvaluationMethod.MODEL:
        model = (evaluation.config or {}).get("model") or {}
        return model.get("name") or "Model"
    return dict(EvaluationMethod.choices).get(method, method)


# ---------------------------------------------------------------------------------------------
# Masks from what was stored


def volume_result_mask(result: VolumeResult, z: int | None = None) -> np.ndarray:
    """The stored predicted mask (whole volume, or one section) as bool."""
    # Read through the open file: one page of a large stack is read, not the whole file.
    with result.pred_mask.open("rb") as fh, tifffile.TiffFile(fh) as tif:
        if z is None:
            return (
                tif.asarray().reshape(
                    result.volume.size_z, result.volume.size_y, result.volume.size_x
                )
                > 0
            )
        return tif.pages[z].asarray() > 0


def _gt_volume(evaluation: Evaluation, volume) -> tuple[np.ndarray, np.ndarray]:
    """Ground-truth stack of ``volume`` as scored (zeros where a section had none) and the
    bool vector of sections that had ground truth."""
    shape = (volume.size_y, volume.size_x)
    stack = np.zeros(volume.shape, dtype=bool)
    present = np.zeros(volume.size_z, dtype=bool)
    gt_by_z = dict(
        SectionResult.objects.filter(evaluation=evaluation, volume=volume)
        .values_list("z", "ground_truth_id")
        .distinct()
    )
    rows = GroundTruth.objects.only("id", "mask_png").in_bulk(
        [g for g in gt_by_z.values() if g is not None]
    )
    for z, gt_id in gt_by_z.items():
        if gt_id in rows:
            stack[z] = decode_mask(bytes(rows[gt_id].mask_png), shape)
            present[z] = True
    return stack, present


def _section_gt(result: SectionResult) -> np.ndarray | None:
    if result.ground_truth_id is None:
        return None
    truth = GroundTruth.objects.filter(pk=result.ground_truth_id).only("mask_png").first()
    if truth is None:
        return None
    volume = result.volume
    return decode_mask(bytes(truth.mask_png), (volume.size_y, volume.size_x))


def _display(volume, image: np.ndarray) -> np.ndarray:
    if volume.modality == Modality.RI:
        return to_uint8(decode_ri(image), 1.33, 1.40)
    finite = image[np.isfinite(image)]
    lo, hi = np.percentile(finite, [0.5, 99.5]) if finite.size else (0.0, 1.0)
    return to_uint8(image, float(lo), float(hi) if hi > lo else float(lo) + 1.0)


# ---------------------------------------------------------------------------------------------
# Layers for the gallery


def _outline(mask: np.ndarray, thickness: int) -> np.ndarray:
    if not mask.any():
        return mask
    inner = ndi.binary_erosion(mask, iterations=thickness, border_value=0)
    return mask & ~inner


def layer_png(*, evaluation: Evaluation, section: Section, layer: str) -> bytes:
    """A transparent PNG of the section's size with one contour: ``gt`` (red), ``pred``
    (yellow; the model, or Otsu in a baselines-only evaluation) or ``edge`` (cyan)."""
    if layer not in LAYER_COLOURS:
        raise ValueError(f"unknown layer {layer!r}")
    volume = section.volume
    shape = (volume.size_y, volume.size_x)
    if layer == "gt":
        result = (
            SectionResult.objects.filter(evaluation=evaluation, section=section)
            .select_related("volume")
            .first()
        )
        mask = _section_gt(result) if result else None
    else:
        methods = (evaluation.config or {}).get("methods") or []
        method = "edge" if layer == "edge" else ("model" if "model" in methods else "otsu")
        result = (
            VolumeResult.objects.filter(evaluation=evaluation, volume=volume, method=method)
            .select_related("volume")
            .first()
        )
        mask = volume_result_mask(result, section.z) if result and result.pred_mask else None
    if mask is None:
        mask = np.zeros(shape, dtype=bool)
    thickness = max(1, round(max(shape) / 224))
    outline = _outline(np.asarray(mask, dtype=bool), thickness)
    rgba = np.zeros((*shape, 4), dtype=np.uint8)
    rgba[outline, :3] = LAYER_COLOURS[layer]
    rgba[outline, 3] = 255
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Figures


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _empty(fig: Figure, text: str) -> None:
    fig.set_size_inches(6.0, 0.8)
    ax = fig.add_subplot(1, 1, 1)
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=11, color="#555")
    ax.set_axis_off()


def _pr_figure(evaluation: Evaluation, summary: dict) -> bytes:
    fig = Figure(figsize=(5.2, 4.2))
    curves = summary.get("pr_curves") or {}
    if not curves:
        _empty(fig, "No precision-recall data")
        return _png(fig)
    ax = fig.add_subplot(1, 1, 1)
    by_method = summary.get("by_method") or {}
    for method in summary.get("methods") or []:
        curve = curves.get(method)
        if not curve:
            continue
        pairs = [
            (r, p)
            for r, p in zip(curve["recall"], curve["precision"])
            if r is not None and p is not None
        ]
        if not pairs:
            continue
        if curve.get("prevalence") is not None:
            pairs.append((1.0, curve["prevalence"]))
        recall, precision = zip(*sorted(set(pairs), key=lambda rp: (rp[0], -rp[1])))
        auc = ((by_method.get(method) or {}).get("set") or {}).get("auc_pr", {}).get("mean")
        label = method_label(evaluation, method) + (
            f" (mean AUC-PR {auc:.3f})" if auc is not None else ""
        )
        colour = METHOD_COLOURS.get(method)
        if method == EvaluationMethod.MODEL:
            ax.plot(recall, precision, color=colour, label=label, lw=2)
        else:
            # A mask is one operating point; the line joins it to the curve's two ends.
            ax.plot(recall, precision, color=colour, label=label, lw=1.5, ls="--", marker="o")
    ax.set_xlim(0, 1.01)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Recall")
    ax.set_ylabel("Precision")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    return _png(fig)


def _dice_figure(evaluation: Evaluation, summary: dict) -> bytes:
    methods = summary.get("methods") or []
    rows = SectionResult.objects.filter(evaluation=evaluation).values_list(
        "method", "specimen__lab", "dice"
    )
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    labs: set[str] = set()
    for method, lab, value in rows.iterator(chunk_size=2000):
        groups[(method, lab or "—")].append(value)
        labs.add(lab or "—")
    fig = Figure(figsize=(max(5.0, 1.3 * len(methods) * max(1, len(labs)) + 1.5), 4.0))
    if not groups:
        _empty(fig, "No section was scored")
        return _png(fig)
    ax = fig.add_subplot(1, 1, 1)
    data, labels, colours = [], [], []
    for method in methods:
        for lab in sorted(labs):
            values = groups.get((method, lab))
            if not values:
                continue
            data.append(values)
            name = method_label(evaluation, method)
            labels.append(f"{name}\n{lab}" if len(labs) > 1 else name)
            colours.append(METHOD_COLOURS.get(method, "#888"))
    box = ax.boxplot(data, patch_artist=True, showfliers=True, widths=0.6)
    ax.set_xticks(range(1, len(labels) + 1), labels, fontsize=8)
    for patch, colour in zip(box["boxes"], colours):
        patch.set_facecolor(colour)
        patch.set_alpha(0.55)
    for median in box["medians"]:
        median.set_color("#111")
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("Dice per section")
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def _volume_figure(evaluation: Evaluation, summary: dict) -> bytes:
    methods = summary.get("methods") or []
    rows = list(
        VolumeResult.objects.filter(
            evaluation=evaluation, gt_sections__gt=0, pred_volume_um3__isnull=False
        ).values_list("method", "pred_volume_um3", "gt_volume_um3")
    )
    fig = Figure(figsize=(10.0, 4.2))
    if not rows:
        _empty(fig, "No volume with ground truth and a voxel size")
        return _png(fig)
    scatter = fig.add_subplot(1, 2, 1)
    bland = fig.add_subplot(1, 2, 2)
    top = max(max(p, g) for _, p, g in rows) * 1.05 or 1.0
    scatter.plot([0, top], [0, top], color="#999", lw=1, ls="--", label="identity")
    for method in methods:
        mine = [(p, g) for m, p, g in rows if m == method]
        if not mine:
            continue
        pred, gt = np.array(mine).T
        colour = METHOD_COLOURS.get(method)
        name = method_label(evaluation, method)
        scatter.scatter(
            gt, pred, s=22, color=colour, label=name, alpha=0.8, edgecolor="#333", lw=0.4
        )
        mean = (pred + gt) / 2
        diff = pred - gt
        bland.scatter(
            mean, diff, s=22, color=colour, alpha=0.8, edgecolor="#333", lw=0.4, label=name
        )
        bias = float(diff.mean())
        sd = float(diff.std(ddof=1)) if diff.size > 1 else 0.0
        bland.axhline(bias, color=colour, lw=1.2)
        for limit in (bias - 1.96 * sd, bias + 1.96 * sd):
            bland.axhline(limit, color=colour, lw=0.8, ls=":")
    scatter.set_xlim(0, top)
    scatter.set_ylim(0, top)
    scatter.set_xlabel("Ground-truth nucleus volume (µm³)")
    scatter.set_ylabel("Predicted nucleus volume (µm³)")
    scatter.legend(fontsize=8, loc="lower right")
    scatter.grid(alpha=0.3)
    bland.axhline(0, color="#999", lw=1, ls="--")
    bland.set_xlabel("Mean of prediction and ground truth (µm³)")
    bland.set_ylabel("Prediction − ground truth (µm³)")
    bland.set_title("Bland–Altman (bias and ±1.96 SD)", fontsize=9)
    bland.grid(alpha=0.3)
    return _png(fig)


def _primary(summary: dict) -> str:
    return summary.get("primary") or "model"


def _orthogonal_figure(evaluation: Evaluation, summary: dict) -> bytes:
    fig = Figure(figsize=(10.5, 4.0))
    result = (
        VolumeResult.objects.filter(
            evaluation=evaluation, method=_primary(summary), gt_sections__gt=0
        )
        .exclude(pred_mask="")
        .select_related("volume", "specimen")
        .order_by("-gt_sections", "specimen__name", "time_index", "volume_id")
        .first()
    )
    if result is None:
        _empty(fig, "No segmented volume with ground truth")
        return _png(fig)
    volume = result.volume
    pred = volume_result_mask(result)
    gt, present = _gt_volume(evaluation, volume)
    image = np.asarray(volume_array(volume), dtype=np.float32)
    zs = np.flatnonzero(gt.any(axis=(1, 2))) if gt.any() else np.flatnonzero(present)
    zc = int(zs[len(zs) // 2]) if zs.size else volume.size_z // 2
    if gt[zc].any():
        ys, xs = np.nonzero(gt[zc])
    elif pred[zc].any():
        ys, xs = np.nonzero(pred[zc])
    else:
        ys, xs = np.array([volume.size_y // 2]), np.array([volume.size_x // 2])
    yc, xc = int(np.median(ys)), int(np.median(xs))
    voxel = volume.voxel_size or (1.0, 1.0, 1.0)
    views = (
        ("xy", f"xy (z = {zc})", image[zc], gt[zc], pred[zc], 1.0),
        (
            "xz",
            f"xz (y = {yc})",
            image[:, yc, :],
            gt[:, yc, :],
            pred[:, yc, :],
            voxel[0] / voxel[2],
        ),
        (
            "yz",
            f"yz (x = {xc})",
            image[:, :, xc],
            gt[:, :, xc],
            pred[:, :, xc],
            voxel[0] / voxel[1],
        ),
    )
    for index, (_, title, base, gt_view, pred_view, aspect) in enumerate(views, start=1):
        ax = fig.add_subplot(1, 3, index)
        ax.imshow(
            _display(volume, base),
            cmap="gray",
            vmin=0,
            vmax=255,
            aspect=aspect,
            interpolation="nearest",
        )
        if gt_view.any():
            ax.contour(gt_view.astype(float), levels=[0.5], colors=["#ff2d2d"], linewidths=1.3)
        if pred_view.any():
            ax.contour(pred_view.astype(float), levels=[0.5], colors=["#ffe119"], linewidths=1.3)
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(
        f"{result.specimen.name} · t{result.time_index} — ground truth red, "
        f"{method_label(evaluation, result.method)} yellow"
        + (
            ""
            if present.all()
            else f" (ground truth on {int(present.sum())} of {volume.size_z} sections)"
        ),
        fontsize=9,
    )
    return _png(fig)


def _timelapse_figure(evaluation: Evaluation, summary: dict) -> bytes:
    series = summary.get("timelapse") or []
    fig = Figure(figsize=(10.5, 3.4))
    if not series:
        _empty(fig, "No specimen with several time points in this set")
        return _png(fig)
    panels = (
        ("volume_um3", "Nucleus volume (µm³)"),
        ("surface_area_um2", "Surface area (µm²)"),
        ("mean_ri", "Mean RI"),
    )
    palette = ["#2563eb", "#ea580c", "#059669", "#db2777", "#7c3aed", "#0891b2"]
    for index, (key, label) in enumerate(panels, start=1):
        ax = fig.add_subplot(1, 3, index)
        for i, item in enumerate(series):
            colour = palette[i % len(palette)]
            pts = [(p["time_index"], p[key]) for p in item["points"] if p.get(key) is not None]
            if pts:
                t, v = zip(*pts)
                ax.plot(t, v, marker="o", color=colour, label=item["specimen"])
            gts = [
                (p["time_index"], p[key])
                for p in item.get("gt_points") or []
                if p.get(key) is not None
            ]
            if gts:
                t, v = zip(*gts)
                ax.plot(
                    t,
                    v,
                    marker="x",
                    ls="--",
                    color=colour,
                    alpha=0.7,
                    label=f"{item['specimen']} (GT)",
                )
        ax.set_xlabel("Time point")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(label, fontsize=9)
        ax.grid(alpha=0.3)
        if index == 1:
            ax.legend(fontsize=7)
    return _png(fig)


def _worst_results(evaluation: Evaluation, summary: dict, count: int = WORST_COUNT):
    return list(
        SectionResult.objects.filter(evaluation=evaluation, method=_primary(summary))
        .select_related("section", "specimen", "volume")
        .order_by("dice", "specimen__name", "volume_id", "z")[:count]
    )


def _worst_figure(evaluation: Evaluation, summary: dict) -> bytes:
    worst = _worst_results(evaluation, summary)
    fig = Figure(figsize=(10.5, 3.9 if len(worst) <= 3 else 7.4))
    if not worst:
        _empty(fig, "No section was scored")
        return _png(fig)
    methods = summary.get("methods") or []
    pred_method = "model" if "model" in methods else "otsu"
    columns = 3
    rows = math.ceil(len(worst) / columns)
    for index, result in enumerate(worst, start=1):
        volume = result.volume
        ax = fig.add_subplot(rows, columns, index)
        image = np.asarray(volume_array(volume)[result.z], dtype=np.float32)
        ax.imshow(_display(volume, image), cmap="gray", vmin=0, vmax=255, interpolation="nearest")
        layers = [("#ff2d2d", _section_gt(result))]
        for method, colour in ((pred_method, "#ffe119"), ("edge", "#00e5ff")):
            vr = VolumeResult.objects.filter(
                evaluation=evaluation, volume=volume, method=method
            ).first()
            if vr and vr.pred_mask:
                vr.volume = volume
                layers.append((colour, volume_result_mask(vr, result.z)))
        for colour, mask in layers:
            if mask is not None and mask.any():
                ax.contour(mask.astype(float), levels=[0.5], colors=[colour], linewidths=1.2)
        ax.set_title(
            f"{result.specimen.name} t{volume.time_index} z{result.z} · Dice {result.dice:.3f}",
            fontsize=8,
        )
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(
        f"Ground truth red, {method_label(evaluation, pred_method)} yellow, edge-based cyan",
        fontsize=9,
    )
    return _png(fig)


_BUILDERS = {
    "pr_curves": _pr_figure,
    "dice_boxplot": _dice_figure,
    "volume_agreement": _volume_figure,
    "orthogonal": _orthogonal_figure,
    "timelapse": _timelapse_figure,
    "worst": _worst_figure,
}


def report_figures(evaluation: Evaluation) -> dict[str, bytes]:
    summary = evaluation.summary or {}
    return {name: _BUILDERS[name](evaluation, summary) for name in FIGURES}


def compare_figure_png(pairs: list[tuple[float, float]], label_a: str, label_b: str) -> bytes:
    """Paired per-section Dice of two evaluations on the same sections."""
    fig = Figure(figsize=(4.6, 4.4))
    if not pairs:
        _empty(fig, "No section was scored by both")
        return _png(fig)
    ax = fig.add_subplot(1, 1, 1)
    a, b = np.array(pairs).T
    ax.plot([0, 1], [0, 1], color="#999", ls="--", lw=1)
    ax.scatter(a, b, s=14, alpha=0.7, color="#2563eb", edgecolor="#1e3a8a", lw=0.3)
    better = int(np.count_nonzero(b > a))
    ax.set_title(f"{better} of {len(pairs)} sections better in B", fontsize=9)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"A: {label_a}"[:60])
    ax.set_ylabel(f"B: {label_b}"[:60])
    ax.grid(alpha=0.3)
    return _png(fig)


# ---------------------------------------------------------------------------------------------
# Tables


def _cell(block: dict | None, key: str) -> dict[str, Any]:
    value = (block or {}).get(key) or {}
    return {"mean": value.get("mean"), "std": value.get("std")}


def report_context(evaluation: Evaluation) -> dict[str, Any]:
    """Tables and facts shared by the report page and the standalone report (summary only, no
    per-row work: the page stays fast for any number of sections)."""
    summary = evaluation.summary or {}
    methods = summary.get("methods") or []
    by_method = summary.get("by_method") or {}
    labels = {m: method_label(evaluation, m) for m in methods}

    def rows_for(scope: str, key: str, label: str) -> list[dict[str, Any]]:
        rows = []
        for method in methods:
            source = by_method.get(method) or {}
            block = source.get("set") if scope == "set" else (source.get(scope) or {}).get(key)
            if not block:
                continue
            rows.append(
                {
                    "scope": label,
                    "method": method,
                    "method_label": labels[method],
                    "n": block.get("sections"),
                    "cells": [_cell(block, k) for k, _ in METRICS],
                }
            )
        return rows

    summary_rows = rows_for("set", "", "Whole set")
    fold_keys = sorted(
        {k for m in methods for k in (by_method.get(m) or {}).get("folds", {}) if k != "-1"},
        key=int,
    )
    fold_rows = [r for k in fold_keys for r in rows_for("folds", k, f"Fold {int(k) + 1}")]
    fold_mean_rows = []
    for method in methods:
        means = (by_method.get(method) or {}).get("fold_means") or {}
        if means:
            fold_mean_rows.append(
                {
                    "scope": "Mean ± SD over folds",
                    "method": method,
                    "method_label": labels[method],
                    "n": len(next(iter(means.values())).get("per_fold") or []),
                    "cells": [_cell(means, k) for k, _ in METRICS],
                }
            )
    lab_keys = sorted({k for m in methods for k in (by_method.get(m) or {}).get("labs", {})})
    lab_rows = (
        [r for k in lab_keys for r in rows_for("labs", k, f"Lab {k}")] if len(lab_keys) > 1 else []
    )
    volume_rows = []
    for method in methods:
        block = (summary.get("volumes") or {}).get(method) or {}
        if block.get("volumes"):
            volume_rows.append(
                {
                    "method": method,
                    "method_label": labels[method],
                    "n": block["volumes"],
                    "cells": [_cell(block, k) for k, _ in VOLUME_METRICS],
                }
            )
    object_rows = []
    for method in methods:
        block = (summary.get("objects") or {}).get(method) or {}
        if block.get("n_gt") or block.get("n_pred"):
            object_rows.append({"method": method, "method_label": labels[method], **block})
    config = evaluation.config or {}
    return {
        "evaluation": evaluation,
        "summary": summary,
        "plan": config,
        "metric_labels": [label for _, label in METRICS],
        "volume_metric_labels": [label for _, label in VOLUME_METRICS],
        "summary_rows": summary_rows,
        "fold_rows": fold_rows,
        "fold_mean_rows": fold_mean_rows,
        "lab_rows": lab_rows,
        "volume_rows": volume_rows,
        "object_rows": object_rows,
        "timelapse": summary.get("timelapse") or [],
        "figure_titles": FIGURE_TITLES,
        "method_labels": labels,
        "primary_label": labels.get(summary.get("primary"), ""),
        "set_label": evaluation.get_set_kind_display(),
        "gt_label": evaluation.get_gt_source_display(),
        "baselines": config.get("baselines") or {},
    }


def report_html(evaluation: Evaluation, figures: dict[str, bytes] | None = None) -> str:
    """The self-contained report: every figure inline as base64 PNG, no external resource."""
    figures = figures if figures is not None else report_figures(evaluation)
    context = report_context(evaluation)
    context["figures"] = [
        {
            "name": name,
            "title": FIGURE_TITLES[name],
            "src": "data:image/png;base64," + base64.b64encode(figures[name]).decode("ascii"),
        }
        for name in FIGURES
        if name in figures
    ]
    context["volumes"] = list(
        VolumeResult.objects.filter(evaluation=evaluation)
        .select_related("specimen")
        .order_by("method", "specimen__name", "time_index", "volume_id")
    )
    context["worst"] = _worst_results(evaluation, evaluation.summary or {}, 20)
    return render_to_string("inference/report_standalone.html", context)


def figure_path(evaluation: Evaluation, name: str) -> str:
    return f"evaluations/{evaluation.project_id}/{evaluation.pk}/figures/{name}.png"


def _replace(name: str, content: bytes) -> str:
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(content))


def report_write(evaluation: Evaluation) -> list[str]:
    """Render the figures and the standalone report and store them; returns the figure names."""
    figures = report_figures(evaluation)
    for name, content in figures.items():
        _replace(figure_path(evaluation, name), content)
    html = report_html(evaluation, figures).encode("utf-8")
    old = evaluation.report.name if evaluation.report else ""
    evaluation.report.save(f"report-{evaluation.pk}.html", ContentFile(html), save=False)
    evaluation.save(update_fields=["report"])
    if old and old != evaluation.report.name:
        default_storage.delete(old)
    return list(figures)


# ---------------------------------------------------------------------------------------------
# CSV


def _fmt(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if not math.isfinite(value) else repr(round(value, 10))
    return value


def results_csv_rows(evaluation: Evaluation) -> Iterator[list[Any]]:
    """Header, then one row per scored section and method, then one per volume and method."""
    yield list(CSV_COLUMNS)
    blank = dict.fromkeys(CSV_COLUMNS, "")
    sections = (
        SectionResult.objects.filter(evaluation=evaluation)
        .order_by("method", "specimen__name", "volume_id", "z")
        .values_list(
            "method",
            "fold_index",
            "specimen__name",
            "specimen__lab",
            "volume_id",
            "volume__time_index",
            "section_id",
            "z",
            "ground_truth_id",
            "dice",
            "jaccard",
            "f05",
            "precision",
            "recall",
            "auc_pr",
            "gt_pixels",
            "pred_pixels",
            "tp",
            "fp",
            "fn",
        )
    )
    section_keys = CSV_COLUMNS[1:21]
    for values in sections.iterator(chunk_size=2000):
        row = dict(blank, level="section", **dict(zip(section_keys, values)))
        yield [_fmt(row[c]) for c in CSV_COLUMNS]
    volumes = (
        VolumeResult.objects.filter(evaluation=evaluation)
        .select_related("specimen")
        .order_by("method", "specimen__name", "time_index", "volume_id")
    )
    for v in volumes.iterator(chunk_size=200):
        objects = v.object_metrics or {}
        top = (v.nuclei or [{}])[0] if v.nuclei else {}
        row = dict(
            blank,
            level="volume",
            method=v.method,
            fold=v.fold_index,
            specimen=v.specimen.name,
            lab=v.specimen.lab,
            volume_id=v.volume_id,
            time_index=v.time_index,
            gt_sections=v.gt_sections,
            pred_volume_um3=v.pred_volume_um3,
            gt_volume_um3=v.gt_volume_um3,
            volume_difference_um3=v.volume_difference_um3,
            volume_difference_pct=v.volume_difference_pct,
            volume_intersection_ratio=v.intersection_ratio,
            dice_3d=v.dice_3d,
            jaccard_3d=v.jaccard_3d,
            objects_gt=objects.get("n_gt"),
            objects_pred=objects.get("n_pred"),
            objects_correct=objects.get("correct"),
            objects_fn_rate=objects.get("fn_rate"),
            objects_fp_rate=objects.get("fp_rate"),
            objects_split=objects.get("split"),
            objects_merge=objects.get("merge"),
            objects_map=objects.get("map"),
            nuclei=len(v.nuclei or []),
            largest_nucleus_volume_um3=top.get("volume_um3"),
            largest_nucleus_surface_um2=top.get("surface_area_um2"),
            largest_nucleus_mean_ri=top.get("mean_ri"),
            largest_nucleus_concentration=top.get("concentration_pg_per_um3"),
        )
        yield [_fmt(row[c]) for c in CSV_COLUMNS]


class _Echo:
    def write(self, value: str) -> str:
        return value


def results_csv_lines(evaluation: Evaluation) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in results_csv_rows(evaluation):
        yield writer.writerow(row)
