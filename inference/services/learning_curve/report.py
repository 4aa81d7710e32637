"""A learning curve's report files: every point as one CSV, the figure (median Dice against n,
log x, the spread over seeds shaded, one line per start) and a self-contained HTML report (the
page's held-out specimens, figure, plateau sentence and table, the figure inline). Written by the
job's last step and served as stored; pages and downloads only read them."""

from __future__ import annotations

import base64
import csv
import io
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter

from inference.models import LearningCurve
from inference.reports.plotting import new_figure, png
from inference.services.learning_curve.plan import PRETRAINED, SCRATCH
from inference.services.learning_curve.summary import curve_summary, learning_curve_tables

CSV_COLUMNS = ("start", "n", "seed", "epochs", "specimens", "dice", "map")
START_LABELS = {SCRATCH: "From scratch", PRETRAINED: "Pretrained (start version)"}
START_COLOURS = {SCRATCH: "#6b7280", PRETRAINED: "#f5b301"}


def points_csv(curve: LearningCurve) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for point in curve.points:
        writer.writerow(["" if point.get(c) is None else point.get(c) for c in CSV_COLUMNS])
    return out.getvalue()


def curve_figure_png(curve: LearningCurve, summary: dict[str, Any] | None = None) -> bytes:
    summary = summary if summary is not None else curve_summary(curve.points)
    fig = new_figure(6.4, 4.0)
    ax = fig.add_subplot()
    ticks: set[int] = set()
    for start in (SCRATCH, PRETRAINED):
        curve_points = (summary.get(start) or {}).get("dice") or []
        if not curve_points:
            continue
        ns = [p["n"] for p in curve_points]
        ticks.update(ns)
        colour = START_COLOURS[start]
        ax.fill_between(
            ns,
            [p["low"] for p in curve_points],
            [p["high"] for p in curve_points],
            color=colour,
            alpha=0.2,
            linewidth=0,
        )
        ax.plot(
            ns, [p["median"] for p in curve_points], "o-", color=colour, label=START_LABELS[start]
        )
        reached = (summary.get(start) or {}).get("plateau")
        if start == PRETRAINED and reached:
            ax.axvline(
                reached["n"],
                color=colour,
                linestyle=":",
                linewidth=1,
                label=f"90% of plateau (pretrained): n = {reached['n']}",
            )
    ax.set_xscale("log")
    if ticks:
        # A margin of a fifth of a decade each side: the end points (and a plateau line at the
        # smallest n) stay clear of the frame.
        ax.set_xlim(min(ticks) / 1.6, max(ticks) * 1.6)
        ax.xaxis.set_major_locator(FixedLocator(sorted(ticks)))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.set_ylim(0, 1.02)  # points at Dice 1 stay visible above the frame
    ax.set_xlabel("Annotated sections trained on (n, log scale)")
    ax.set_ylabel("Held-out Dice (median over seeds)")
    ax.grid(True, alpha=0.3)
    if ticks:
        ax.legend(loc="best", fontsize=9)
    ax.set_title("Learning curve: shaded = lowest to highest seed", fontsize=10)
    return png(fig)


def report_paths(curve: LearningCurve) -> dict[str, str]:
    base = f"learning_curves/{curve.project_id}/{curve.pk}"
    return {
        "csv": f"{base}/points.csv",
        "figure": f"{base}/curve.png",
        "report": f"{base}/report.html",
    }


def _data_url(content_type: str, content: bytes) -> str:
    return f"data:{content_type};base64," + base64.b64encode(content).decode()


def report_html(curve: LearningCurve, figure: bytes, points: bytes) -> str:
    """Self-contained: the figure and the points CSV travel inside the file."""
    context = {
        "curve": curve,
        **learning_curve_tables(curve),
        "figure_src": _data_url("image/png", figure),
        "csv_src": _data_url("text/csv", points),
    }
    return render_to_string("inference/learning_curve_report.html", context)


def learning_curve_report(curve: LearningCurve) -> dict[str, Any]:
    """Store the CSV and the figure; their paths go into the job's result."""
    paths = report_paths(curve)
    figure = curve_figure_png(curve, curve_summary(curve.points))
    points = points_csv(curve).encode()
    for key, content in (
        ("csv", points),
        ("figure", figure),
        ("report", report_html(curve, figure, points).encode()),
    ):
        default_storage.delete(paths[key])
        default_storage.save(paths[key], ContentFile(content))
    return {"files": paths}
