"""The per-class figure: for every class scored, each method's mean Dice over all sections (±
sample SD) and, for instance classes, its object mAP over IoU 0.50:0.05:0.95 (mean ± sample SD
over volumes). A bar over one value has no SD and no error bar."""

from __future__ import annotations

import math

from matplotlib.figure import Figure

from inference.models import Evaluation

from .labels import method_label
from .plotting import METHOD_COLOURS, FigureLeftOut, new_figure, wrap

__all__ = ["DICE_TITLE", "MAP_TITLE", "class_figure"]

# The Dice is the "all sections" subset: a section empty in both prediction and ground truth
# scores 1.0 (the report's first table; the second leaves such sections out).
DICE_TITLE = "Dice per class, over all sections\n(mean ± sample SD over sections)"
MAP_TITLE = "Object mAP 0.50:0.95 per class\n(mean ± sample SD over volumes)"


def _bars(ax, classes, methods, evaluation, value_of, title: str) -> None:
    """Bars of mean ± SD, each labelled with its mean above its error bar (above the bar where
    one value has no SD): the axis reaches over the highest error bar (a label beyond the axis
    would not be drawn)."""
    width = 0.8 / max(len(methods), 1)
    top = 1.05
    for j, method in enumerate(methods):
        xs, heights, errors = [], [], []
        for i, cls in enumerate(classes):
            mean, std = value_of(cls, method)
            if mean is None:
                continue
            xs.append(i + (j - (len(methods) - 1) / 2) * width)
            heights.append(mean)
            errors.append(math.nan if std is None else std)  # NaN: no error bar drawn
        if xs:
            bars = ax.bar(
                xs,
                heights,
                width=width,
                yerr=errors,
                capsize=3,
                color=METHOD_COLOURS.get(method),
                label=method_label(evaluation, method),
            )
            ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=2)
            top = max(
                top, *(h + (0.0 if math.isnan(e) else e) + 0.1 for h, e in zip(heights, errors))
            )
    ax.set_xticks(range(len(classes)), [wrap(c["name"], 14) for c in classes])
    ax.set_ylim(0, top)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", alpha=0.3)


def _dice(cls: dict, method: str):
    block = (((cls.get("by_method") or {}).get(method) or {}).get("set") or {}).get("dice") or {}
    return block.get("mean"), block.get("std")


def _map(cls: dict, method: str):
    block = ((cls.get("objects") or {}).get(method) or {}).get("map") or {}
    return block.get("mean"), block.get("std")


def class_figure(evaluation: Evaluation, summary: dict) -> Figure:
    classes = summary.get("classes") or []
    if not classes:
        raise FigureLeftOut("This evaluation was summarised before classes were recorded.")
    methods = summary.get("methods") or []
    fig = new_figure(9.0, 3.8)
    dice_ax, map_ax = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    _bars(dice_ax, classes, methods, evaluation, _dice, DICE_TITLE)
    _bars(map_ax, classes, methods, evaluation, _map, MAP_TITLE)
    handles, labels = dice_ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=8, frameon=False)
    return fig
