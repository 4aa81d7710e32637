"""Figures over the whole set: precision-recall curves, per-section Dice box plots, nucleus
volume agreement, time-lapse curves, and the paired Dice of two evaluations."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from inference.models import Evaluation, EvaluationMethod, SectionResult, VolumeResult
from inference.services.evaluation.target import target_value

from .labels import SUBSETS, method_label
from .plotting import METHOD_COLOURS, FigureLeftOut, new_figure, png, wrap

__all__ = [
    "compare_figure_png",
    "dice_figure",
    "pr_figure",
    "timelapse_figure",
    "volume_figure",
]


def pr_figure(evaluation: Evaluation, summary: dict) -> Figure:
    curves = summary.get("pr_curves") or {}
    if not curves:
        raise FigureLeftOut("No precision-recall data was stored for this evaluation.")
    fig = new_figure(9.0, 4.4)
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
            f" · AUC-PR {auc:.3f} (mean over sections)" if auc is not None else ""
        )
        colour = METHOD_COLOURS.get(method)
        if method == EvaluationMethod.MODEL:
            ax.plot(recall, precision, color=colour, label=label, lw=2)
        else:
            # A mask is one operating point; the line joins it to the curve's two ends.
            ax.plot(recall, precision, color=colour, label=label, lw=1.5, ls="--", marker="o")
    ax.set_xlim(0, 1.01)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Class {(summary.get('class') or {}).get('name', 'nucleus')}", fontsize=10)
    ax.set_xlabel("Recall")
    ax.set_ylabel("Precision")
    ax.grid(alpha=0.3)
    # Beside the axes: a legend inside would hide the curves it names.
    fig.legend(loc="outside right upper", fontsize=8, frameon=False)
    return fig


def _box_panel(ax, groups, methods, labs, evaluation, title: str) -> None:
    data, positions, colours, ticks, tick_labels = [], [], [], [], []
    for i, lab in enumerate(labs):
        start = i * (len(methods) + 1) + 1
        for j, method in enumerate(methods):
            values = groups.get((method, lab))
            if not values:
                continue
            data.append(values)
            positions.append(start + j)
            colours.append(METHOD_COLOURS.get(method, "#888"))
            if len(labs) == 1:
                ticks.append(start + j)
                tick_labels.append(wrap(method_label(evaluation, method), 14))
        if len(labs) > 1:
            ticks.append(start + (len(methods) - 1) / 2)
            tick_labels.append(wrap(lab, 14))
    per_method = defaultdict(int)
    for (method, _), values in groups.items():
        per_method[method] += len(values)
    ax.set_title(f"{title} ({max(per_method.values(), default=0)} sections)", fontsize=9)
    if not data:
        ax.text(0.5, 0.5, "none", ha="center", va="center", transform=ax.transAxes)
    else:
        box = ax.boxplot(data, positions=positions, patch_artist=True, widths=0.6)
        for patch, colour in zip(box["boxes"], colours):
            patch.set_facecolor(colour)
            patch.set_alpha(0.55)
        for median in box["medians"]:
            median.set_color("#111")
    ax.set_xticks(ticks, tick_labels, fontsize=8)
    ax.set_xlim(0.3, max(positions or [1]) + 0.7)
    ax.set_ylim(-0.02, 1.02)
    ax.grid(axis="y", alpha=0.3)


def dice_figure(evaluation: Evaluation, summary: dict) -> Figure:
    methods = summary.get("methods") or []
    rows = SectionResult.objects.filter(
        evaluation=evaluation, class_value=target_value(evaluation)
    ).values_list("method", "specimen__lab", "dice", "gt_pixels")
    subsets: dict[str, dict[tuple[str, str], list[float]]] = {
        "all": defaultdict(list),
        "nucleus": defaultdict(list),
    }
    for method, lab, value, gt_pixels in rows.iterator(chunk_size=2000):
        subsets["all"][(method, lab or "—")].append(value)
        if gt_pixels:
            subsets["nucleus"][(method, lab or "—")].append(value)
    if not subsets["all"]:
        raise FigureLeftOut("No section was scored.")
    labs = sorted({lab for _, lab in subsets["all"]})
    # Every scored section has a nucleus: one panel says it all.
    shown = ["all", "nucleus"] if subsets["all"] != subsets["nucleus"] else ["all"]
    boxes = len(methods) * len(labs) + len(labs) - 1
    width = len(shown) * 0.6 * boxes + 1.6
    fig = new_figure(min(11.5, max(4.0 * len(shown), width)), 4.4)
    axes = np.atleast_1d(fig.subplots(1, len(shown), sharey=True))
    for ax, subset in zip(axes, shown):
        title = SUBSETS[subset].capitalize()
        if shown == ["all"]:
            title += ", each with a nucleus"
        _box_panel(ax, subsets[subset], methods, labs, evaluation, title)
    axes[0].set_ylabel("Dice per section")
    if len(labs) > 1:
        handles = [
            Patch(
                facecolor=METHOD_COLOURS.get(m, "#888"),
                alpha=0.55,
                label=method_label(evaluation, m),
            )
            for m in methods
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=len(methods), fontsize=8)
    return fig


def volume_figure(evaluation: Evaluation, summary: dict) -> Figure:
    methods = summary.get("methods") or []
    rows = list(
        VolumeResult.objects.filter(
            evaluation=evaluation,
            class_value=target_value(evaluation),
            gt_sections__gt=0,
            pred_volume_um3__isnull=False,
            volume__size_z__gt=1,
        ).values_list("method", "pred_volume_um3", "gt_volume_um3")
    )
    if not rows:
        flat = VolumeResult.objects.filter(evaluation=evaluation, volume__size_z=1).exists()
        raise FigureLeftOut(
            "2D images (one section per volume) have no nucleus volume."
            if flat
            else "No 3D volume with ground truth and a voxel size."
        )
    fig = new_figure(10.0, 4.7)
    scatter, bland = fig.subplots(1, 2)
    top = max(max(p, g) for _, p, g in rows) * 1.05 or 1.0
    scatter.plot([0, top], [0, top], color="#999", lw=1, ls="--", label="identity")
    for method in methods:
        mine = [(p, g) for m, p, g in rows if m == method]
        if not mine:
            continue
        pred, gt = np.array(mine).T
        colour = METHOD_COLOURS.get(method)
        name = method_label(evaluation, method)
        style = {"s": 22, "color": colour, "alpha": 0.8, "edgecolor": "#333", "lw": 0.4}
        scatter.scatter(gt, pred, label=name, **style)
        diff = pred - gt
        bland.scatter((pred + gt) / 2, diff, **style)
        bias = float(diff.mean())
        sd = float(diff.std(ddof=1)) if diff.size > 1 else 0.0
        bland.axhline(bias, color=colour, lw=1.2)
        for limit in (bias - 1.96 * sd, bias + 1.96 * sd):
            bland.axhline(limit, color=colour, lw=0.8, ls=":")
    scatter.set_xlim(0, top)
    scatter.set_ylim(0, top)
    scatter.set_xlabel("Ground-truth nucleus volume (µm³)")
    scatter.set_ylabel("Predicted nucleus volume (µm³)")
    # Below both panels: inside, the legend would cover points.
    fig.legend(loc="outside lower center", ncols=len(methods) + 1, fontsize=8, frameon=False)
    scatter.grid(alpha=0.3)
    bland.axhline(0, color="#999", lw=1, ls="--")
    bland.set_xlabel("Mean of prediction and ground truth (µm³)")
    bland.set_ylabel("Prediction − ground truth (µm³)")
    bland.set_title("Bland–Altman: bias and ±1.96 SD over volumes", fontsize=9)
    bland.grid(alpha=0.3)
    return fig


TIMELAPSE_PANELS = (
    ("volume_um3", "Nucleus volume (µm³)", "{x:.0f}"),
    ("surface_area_um2", "Surface area (µm²)", "{x:.0f}"),
    ("mean_ri", "Mean RI", "{x:.4f}"),
)
PALETTE = ["#2563eb", "#ea580c", "#059669", "#db2777", "#7c3aed", "#0891b2"]


def timelapse_figure(evaluation: Evaluation, summary: dict) -> Figure:
    series = summary.get("timelapse") or []
    if not series:
        raise FigureLeftOut("No specimen of this set has several time points.")
    panels = [
        p
        for p in TIMELAPSE_PANELS
        if any(q.get(p[0]) is not None for item in series for q in item["points"])
    ]
    if not panels:
        raise FigureLeftOut("No nucleus quantity was measured (RI volumes with a voxel size).")
    fig = new_figure(3.6 * len(panels), 3.9)
    axes = np.atleast_1d(fig.subplots(1, len(panels)))
    for ax, (key, label, fmt) in zip(axes, panels):
        for i, item in enumerate(series):
            colour = PALETTE[i % len(PALETTE)]
            for points, style in ((item["points"], "-o"), (item.get("gt_points") or [], "--x")):
                pts = [(p["time_index"], p[key]) for p in points if p.get(key) is not None]
                if pts:
                    ax.plot(*zip(*pts), style, color=colour, alpha=1.0 if style == "-o" else 0.7)
        ax.set_xlabel("Time point")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        # RI differs in the third decimal: few ticks, plain numbers, never an offset.
        ax.yaxis.set_major_locator(MaxNLocator(5))
        ax.yaxis.set_major_formatter(fmt)
        ax.set_title(label, fontsize=9)
        ax.grid(alpha=0.3)
    handles = [
        Line2D([], [], color=PALETTE[i % len(PALETTE)], lw=2, label=item["specimen"])
        for i, item in enumerate(series)
    ]
    handles += [
        Line2D([], [], color="#555", ls="-", marker="o", label="prediction"),
        Line2D([], [], color="#555", ls="--", marker="x", label="ground truth"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6), fontsize=8)
    return fig


def compare_figure_png(pairs: list[tuple[float, float]], label_a: str, label_b: str) -> bytes:
    """Paired per-section Dice of two evaluations on the same sections."""
    fig = new_figure(4.6, 4.6)
    ax = fig.add_subplot(1, 1, 1)
    if not pairs:
        ax.text(0.5, 0.5, "No section was scored by both", ha="center", va="center")
        ax.set_axis_off()
        return png(fig)
    a, b = np.array(pairs).T
    ax.plot([0, 1], [0, 1], color="#999", ls="--", lw=1)
    ax.scatter(a, b, s=14, alpha=0.7, color="#2563eb", edgecolor="#1e3a8a", lw=0.3)
    better = int(np.count_nonzero(b > a))
    ax.set_title(f"{better} of {len(pairs)} sections better in B", fontsize=9)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(wrap(f"A: {label_a}", 50), fontsize=9)
    ax.set_ylabel(wrap(f"B: {label_b}", 50), fontsize=9)
    ax.grid(alpha=0.3)
    return png(fig)
