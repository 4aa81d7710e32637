"""Figures over the whole set: volume agreement per class, time-lapse curves, and the paired
Dice of two evaluations (precision-recall and Dice box plots: ``score_figures``)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from inference.models import Evaluation, VolumeResult

from .labels import method_label
from .plotting import METHOD_COLOURS, FigureLeftOut, new_figure, png, wrap
from .score_figures import figure_classes

__all__ = [
    "compare_figure_png",
    "timelapse_figure",
    "volume_figure",
]


def _volume_rows(evaluation: Evaluation, value: int) -> list[tuple[str, float, float]]:
    return list(
        VolumeResult.objects.filter(
            evaluation=evaluation,
            class_value=value,
            gt_sections__gt=0,
            pred_volume_um3__isnull=False,
            volume__size_z__gt=1,
        ).values_list("method", "pred_volume_um3", "gt_volume_um3")
    )


def _volume_row(scatter, bland, evaluation, methods, rows, name: str) -> None:
    top = max(max(p, g) for _, p, g in rows) * 1.05 or 1.0
    scatter.plot([0, top], [0, top], color="#999", lw=1, ls="--", label="identity")
    for method in methods:
        mine = [(p, g) for m, p, g in rows if m == method]
        if not mine:
            continue
        pred, gt = np.array(mine).T
        colour = METHOD_COLOURS.get(method)
        style = {"s": 22, "color": colour, "alpha": 0.8, "edgecolor": "#333", "lw": 0.4}
        scatter.scatter(gt, pred, label=method_label(evaluation, method), **style)
        diff = pred - gt
        bland.scatter((pred + gt) / 2, diff, **style)
        bias = float(diff.mean())
        bland.axhline(bias, color=colour, lw=1.2)
        if diff.size > 1:  # one volume has no SD: its limits would draw on its bias
            sd = float(diff.std(ddof=1))
            for limit in (bias - 1.96 * sd, bias + 1.96 * sd):
                bland.axhline(limit, color=colour, lw=0.8, ls=":")
    scatter.set_xlim(0, top)
    scatter.set_ylim(0, top)
    scatter.set_xlabel(f"Ground-truth {name} volume (µm³)")
    scatter.set_ylabel(f"Predicted {name} volume (µm³)")
    scatter.set_title(f"Class {name}", fontsize=9)
    scatter.grid(alpha=0.3)
    bland.axhline(0, color="#999", lw=1, ls="--")
    bland.set_xlabel("Mean of prediction and ground truth (µm³)")
    bland.set_ylabel("Prediction − ground truth (µm³)")
    bland.set_title(
        f"Class {name}: Bland–Altman\nbias and ±1.96 SD over volumes (bias alone of one volume)",
        fontsize=9,
    )
    bland.grid(alpha=0.3)


def volume_figure(evaluation: Evaluation, summary: dict) -> Figure:
    """One row per class: its volume per 3D volume, prediction vs ground truth, and the
    Bland–Altman plot of the two."""
    methods = summary.get("methods") or []
    classes = []
    for cls in figure_classes(evaluation, summary):
        rows = _volume_rows(evaluation, int(cls["value"]))
        if rows:
            classes.append((cls, rows))
    if not classes:
        flat = VolumeResult.objects.filter(evaluation=evaluation, volume__size_z=1).exists()
        raise FigureLeftOut(
            "2D images (one section per volume) have no nucleus volume."
            if flat
            else "No 3D volume with ground truth and a voxel size."
        )
    fig = new_figure(10.0, 0.5 + 4.2 * len(classes))
    axes = np.array(fig.subplots(len(classes), 2, squeeze=False))
    for (scatter, bland), (cls, rows) in zip(axes, classes):
        _volume_row(scatter, bland, evaluation, methods, rows, cls["name"])
    # Below the panels: inside, the legend would cover points.
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=8)
    return fig


TIMELAPSE_PANELS = (
    ("volume_um3", "Nucleus volume (µm³)", "{x:.0f}"),
    ("surface_area_um2", "Surface area (µm²)", "{x:.0f}"),
    ("mean_ri", "Mean RI", "{x:.4f}"),
)
PALETTE = ["#2563eb", "#ea580c", "#059669", "#db2777", "#7c3aed", "#0891b2"]


def _nothing_measured(series: list[dict]) -> str:
    """Why no time point has a quantity: no nucleus predicted at all (a voxel size would not
    help), or nuclei without a voxel size or an RI image."""
    if all(not p.get("nuclei") for item in series for p in item["points"]):
        names = ", ".join(item["specimen"] for item in series)
        return (
            f"The model predicted no nucleus (of 27 voxels or more) at any time point of "
            f"{names}: there is nothing to measure."
        )
    return "No nucleus quantity was measured (RI volumes with a voxel size)."


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
        raise FigureLeftOut(_nothing_measured(series))
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
