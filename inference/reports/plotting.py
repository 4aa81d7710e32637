"""Matplotlib plumbing shared by every report figure: Agg figures without pyplot state, one PNG
encoding, one colour per method, and the exception a figure raises to be left out."""

from __future__ import annotations

import io
import textwrap

from matplotlib.figure import Figure

__all__ = ["DPI", "METHOD_COLOURS", "FigureLeftOut", "new_figure", "png", "wrap"]

DPI = 100
METHOD_COLOURS = {"model": "#f5b301", "edge": "#00a5c8", "otsu": "#7c3aed"}
GT_COLOUR = "#ff2d2d"
PRED_COLOUR = "#ffe119"
EDGE_COLOUR = "#00e5ff"


class FigureLeftOut(Exception):
    """Raised by a figure builder when the data cannot give this figure; the message is the
    note the report shows in its place."""


def new_figure(width: float, height: float) -> Figure:
    # Constrained layout keeps tick labels, titles and legends inside their own panel.
    return Figure(figsize=(width, height), layout="constrained")


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def wrap(label: str, width: int = 16) -> str:
    return "\n".join(textwrap.wrap(label, width=width, break_long_words=False)) or label
