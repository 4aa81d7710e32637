"""The per-class figure: for every class scored, each method's mean Dice over all sections (±
sample SD) and, for instance classes, its object mAP over IoU 0.50:0.05:0.95 (mean ± sample SD
over volumes). A bar over one value has no SD and no error bar. A class a method is not scored
for (no scored section holds it on either side, ``services/evaluation/absent.py``) has no Dice
bar but "not scored" in its place."""

from __future__ import annotations

import math

from matplotlib.figure import Figure

from inference.models import Evaluation
from inference.services.evaluation.absent import not_scored_methods

from .labels import method_label
from .plotting import METHOD_COLOURS, FigureLeftOut, new_figure, wrap

__all__ = ["DICE_TITLE", "MAP_TITLE", "class_figure"]

# The Dice is the "all sections" subset: a section empty in both prediction and ground truth
# scores 1.0 (the report's first table; the second leaves such sections out).
DICE_TITLE = "Dice per class, over all sections\n(mean ± sample SD over sections)"
MAP_TITLE = "Object mAP 0.50:0.95 per class\n(mean ± sample SD over volumes)"


def _bars(ax, classes, methods, evaluation, value_of, title: str, unscored=None) -> None:
    """Bars of mean ± SD, each labelled with its mean above its error bar (above the bar where
    one value has no SD): the axis reaches over the highest error bar (a label beyond the axis
    would not be drawn). ``unscored``: [{method: why}] per class, "not scored" where a bar
    would be."""
    width = 0.8 / max(len(methods), 1)
    top = 1.05
    for j, method in enumerate(methods):
        xs, heights, errors = [], [], []
        for i, cls in enumerate(classes):
            mean, std = value_of(cls, method)
            x = i + (j - (len(methods) - 1) / 2) * width
            if mean is None and unscored and method in unscored[i]:
                ax.text(x, 0.02, "not scored", rotation=90, ha="center", va="bottom", fontsize=7)
            if mean is None:
                continue
            xs.append(x)
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
    unscored = [not_scored_methods(cls) for cls in classes]
    _bars(dice_ax, classes, methods, evaluation, _dice, DICE_TITLE, unscored)
    _bars(map_ax, classes, methods, evaluation, _map, MAP_TITLE)
    handles, labels = dice_ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=8, frameon=False)
    return fig
