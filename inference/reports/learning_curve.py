"""The learning curve of retrain rounds: Dice on the held-out set against the number of
confirmed ground-truth sections each round was launched with."""

from __future__ import annotations

from typing import Any

from inference.reports.plotting import METHOD_COLOURS, FigureLeftOut, new_figure, png

__all__ = ["learning_curve_png"]


def learning_curve_png(points: list[dict[str, Any]]) -> bytes:
    """One point per done round, joined in round order and labelled with the round's number."""
    if not points:
        raise FigureLeftOut("No round has been scored yet: the curve starts with the first one.")
    fig = new_figure(6.4, 3.6)
    ax = fig.add_subplot()
    xs = [p["gt_sections"] for p in points]
    ys = [p["dice"] for p in points]
    ax.plot(xs, ys, marker="o", color=METHOD_COLOURS["model"], linewidth=1.5)
    for p in points:
        ax.annotate(
            f"round {p['round']}",
            (p["gt_sections"], p["dice"]),
            textcoords="offset points",
            xytext=(4, 6),
            fontsize=8,
        )
    ax.set_xlabel("Sections with confirmed ground truth at launch")
    ax.set_ylabel("Dice, held-out sections with a nucleus")
    low = min(ys)
    ax.set_ylim(max(0.0, min(low - 0.05, 0.5)), 1.0)
    ax.grid(True, alpha=0.3)
    return png(fig)
