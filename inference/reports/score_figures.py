"""The set's score figures, one panel (or row of panels) per class scored: precision-recall
curves and per-section Dice box plots. A binary version scores its one target class, named."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from inference.ml.pr import curve_average_precision
from inference.models import Evaluation, EvaluationMethod, SectionResult
from inference.services.evaluation.absent import not_scored_methods
from inference.services.evaluation.target import scored_class

from .labels import method_label
from .plotting import METHOD_COLOURS, FigureLeftOut, new_figure, wrap

__all__ = ["PR_CAPTION", "dice_figure", "figure_classes", "pr_figure"]


def figure_classes(evaluation: Evaluation, summary: dict) -> list[dict]:
    """The class blocks of the summary (value order), or for a summary from before classes the
    target class with the summary's own blocks."""
    classes = summary.get("classes") or []
    if classes:
        return list(classes)
    target = summary.get("class") or scored_class(evaluation)
    return [
        {
            "value": int(target["value"]),
            "name": target["name"],
            "by_method": summary.get("by_method") or {},
            "pr_curves": summary.get("pr_curves") or {},
        }
    ]


def _pr_panel(ax, evaluation, methods, cls) -> bool:
    curves, drawn = cls.get("pr_curves") or {}, False
    for method in methods:
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
        # The legend names the curve drawn: its own area, not the tables' mean over sections.
        area = curve_average_precision(recall, precision)
        label = f"{method_label(evaluation, method)} · area {area:.3f}"
        colour = METHOD_COLOURS.get(method)
        if method == EvaluationMethod.MODEL:
            ax.plot(recall, precision, color=colour, label=wrap(label, 40), lw=2)
        else:
            # A mask is one operating point; the line joins it to the curve's two ends.
            ax.plot(
                recall, precision, color=colour, label=wrap(label, 40), lw=1.5, ls="--", marker="o"
            )
        drawn = True
    ax.set_xlim(0, 1.01)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Class {cls['name']}", fontsize=10)
    ax.set_xlabel("Recall")
    ax.grid(alpha=0.3)
    if drawn:
        # Below the axes: a legend inside would hide the curves it names.
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False)
    else:
        ax.text(0.5, 0.5, "no curve", ha="center", va="center", transform=ax.transAxes)
    return drawn


PR_CAPTION = (
    "Each curve: the pixels of all scored sections pooled\n"
    "legend: the area under the curve drawn\n"
    "(the tables' AUC-PR: mean over sections)"
)


def pr_figure(evaluation: Evaluation, summary: dict) -> Figure:
    """One panel per class: each method's curve of the pixels pooled over the set, with the
    area under that curve in its legend."""
    classes = [c for c in figure_classes(evaluation, summary) if c.get("pr_curves")]
    if not classes:
        raise FigureLeftOut("No precision-recall data was stored for this evaluation.")
    methods = summary.get("methods") or []
    fig = new_figure(max(5.0, 4.6 * len(classes)), 4.6)
    axes = np.atleast_1d(fig.subplots(1, len(classes), sharey=True))
    for ax, cls in zip(axes, classes):
        _pr_panel(ax, evaluation, methods, cls)
    axes[0].set_ylabel("Precision")
    fig.suptitle(PR_CAPTION, fontsize=9)
    return fig


NOT_SCORED_PANEL = "not scored: no section holds\nthe class, in truth or prediction"


def _box_panel(ax, groups, methods, labs, evaluation, title: str, empty: str = "none") -> None:
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
    count = max(per_method.values(), default=0)
    ax.set_title(f"{title} ({count} sections)" if count else title, fontsize=9)
    if not data:
        ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes, fontsize=8)
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


def _subsets(
    evaluation: Evaluation, value: int, unscored: Collection[str] = ()
) -> dict[str, dict[tuple[str, str], list]]:
    """Per subset, {(method, lab): per-section Dice}; the methods in ``unscored`` give none."""
    rows = SectionResult.objects.filter(evaluation=evaluation, class_value=value).values_list(
        "method", "specimen__lab", "dice", "gt_pixels"
    )
    subsets: dict[str, dict[tuple[str, str], list[float]]] = {
        "all": defaultdict(list),
        "nucleus": defaultdict(list),
    }
    for method, lab, dice, gt_pixels in rows.iterator(chunk_size=2000):
        if method in unscored:
            continue
        subsets["all"][(method, lab or "—")].append(dice)
        if gt_pixels:
            subsets["nucleus"][(method, lab or "—")].append(dice)
    return subsets


def dice_figure(evaluation: Evaluation, summary: dict) -> Figure:
    """One row per class: its per-section Dice over all sections and over the sections whose
    ground truth holds the class (one panel when they are the same sections). A class a method
    is not scored for has no box of that method; one no method scores, a panel saying so."""
    methods = summary.get("methods") or []
    classes = []
    for cls in figure_classes(evaluation, summary):
        unscored = not_scored_methods(cls)
        subsets = _subsets(evaluation, int(cls["value"]), unscored)
        if subsets["all"] or unscored:
            classes.append((cls, subsets))
    if not classes:
        raise FigureLeftOut("No section was scored.")
    labs = sorted({lab for _, subsets in classes for _, lab in subsets["all"]})
    columns = 2 if any(s["all"] != s["nucleus"] for _, s in classes) else 1
    boxes = len(methods) * len(labs) + len(labs) - 1
    width = columns * 0.6 * boxes + 1.6
    fig = new_figure(min(11.5, max(5.0 * columns, width)), 0.4 + 3.8 * len(classes))
    axes = np.array(fig.subplots(len(classes), columns, sharey=True, squeeze=False))
    for row, (cls, subsets) in zip(axes, classes):
        shown = ["all", "nucleus"] if subsets["all"] != subsets["nucleus"] else ["all"]
        for ax, subset in zip(row, shown):
            name = cls["name"]
            title = "all sections" if subset == "all" else f"sections with {name}"
            if shown == ["all"] and subsets["all"]:
                title += f", each with {name}"
            _box_panel(
                ax,
                subsets[subset],
                methods,
                labs,
                evaluation,
                wrap(f"Class {name}: {title}", 44),
                empty=NOT_SCORED_PANEL if not_scored_methods(cls) else "none",
            )
        for ax in row[len(shown) :]:
            ax.set_axis_off()
        row[0].set_ylabel(f"Dice per section ({wrap(cls['name'], 20)})")
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
