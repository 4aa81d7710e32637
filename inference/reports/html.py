"""The stored report of an evaluation: its figures as PNG files, a small index of what was drawn
and what was left out (with why), and the self-contained HTML (figures inline as base64, no
external resource). Written once by the evaluation's final step (``report_write``); pages only
read what is stored."""

from __future__ import annotations

import base64
import json
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string

from inference.models import Evaluation, VolumeResult
from inference.services.evaluation.volume_numbers import MAX_NUCLEI, MIN_NUCLEUS_VOXELS

from .figures import FIGURE_TITLES, FIGURES, FigureSet, draw_figures
from .labels import SUBSETS, method_label
from .sections import section_rows
from .tables import report_context

__all__ = [
    "figure_path",
    "open_stored_figure",
    "open_stored_report",
    "report_html",
    "report_write",
    "stored_figures",
]

STANDALONE_WORST = 20


def figure_path(evaluation: Evaluation, name: str) -> str:
    return f"evaluations/{evaluation.project_id}/{evaluation.pk}/figures/{name}.png"


def _index_path(evaluation: Evaluation) -> str:
    return f"evaluations/{evaluation.project_id}/{evaluation.pk}/figures/index.json"


def _figure_entries(figures: FigureSet) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "title": FIGURE_TITLES[name],
            "note": figures.notes.get(name) if name not in figures.images else None,
        }
        for name in FIGURES
    ]


def worst_tables(evaluation: Evaluation, limit: int) -> list[dict[str, Any]]:
    """The lowest-Dice sections of the primary method, among all sections and among those with
    a nucleus in the ground truth."""
    summary = evaluation.summary or {}
    methods = summary.get("methods") or (evaluation.config or {}).get("methods") or ["edge"]
    primary = summary.get("primary") or methods[0]
    tables = []
    for subset in ("nucleus", "all"):
        count, rows = section_rows(evaluation, method=primary, subset=subset, limit=limit)
        if tables and count == tables[0]["count"]:
            break  # every scored section has a nucleus: the same list again says nothing
        tables.append({"subset": subset, "title": SUBSETS[subset], "count": count, "rows": rows})
    return tables


def report_html(evaluation: Evaluation, figures: FigureSet | None = None) -> str:
    figures = figures if figures is not None else draw_figures(evaluation)
    context = report_context(evaluation)
    entries = _figure_entries(figures)
    for entry in entries:
        data = figures.images.get(entry["name"])
        if data is not None:
            entry["src"] = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    context["figures"] = entries
    context["volumes"] = [
        {"row": v, "method_label": method_label(evaluation, v.method)}
        for v in VolumeResult.objects.filter(evaluation=evaluation)
        .select_related("specimen")
        .order_by("class_value", "method", "specimen__name", "time_index", "volume_id")
    ]
    context["nuclei_measured"] = {"most": MAX_NUCLEI, "min_voxels": MIN_NUCLEUS_VOXELS}
    context["worst_tables"] = worst_tables(evaluation, STANDALONE_WORST)
    return render_to_string("inference/report_standalone.html", context)


def _replace(name: str, content: bytes) -> str:
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(content))


def report_write(evaluation: Evaluation) -> list[str]:
    """Draw the figures, store them, their index and the standalone report; returns the names
    of the figures drawn. A figure that cannot be drawn is left out with a note."""
    figures = draw_figures(evaluation)
    for name, content in figures.images.items():
        _replace(figure_path(evaluation, name), content)
    for name in figures.notes:
        if default_storage.exists(figure_path(evaluation, name)):
            default_storage.delete(figure_path(evaluation, name))
    index = {"figures": _figure_entries(figures)}
    _replace(_index_path(evaluation), json.dumps(index, ensure_ascii=False).encode("utf-8"))
    html = report_html(evaluation, figures).encode("utf-8")
    old = evaluation.report.name if evaluation.report else ""
    evaluation.report.save(f"report-{evaluation.pk}.html", ContentFile(html), save=False)
    evaluation.save(update_fields=["report"])
    if old and old != evaluation.report.name:
        default_storage.delete(old)
    return list(figures.images)


def stored_figures(evaluation: Evaluation) -> list[dict[str, Any]] | None:
    """The figures the stored report holds (each with its URL, or the note saying why it was
    left out), or None when no report was written."""
    try:
        with default_storage.open(_index_path(evaluation), "rb") as fh:
            entries = json.loads(fh.read().decode("utf-8"))["figures"]
    except (FileNotFoundError, OSError, ValueError, KeyError):
        return None
    for entry in entries:
        if not entry.get("note"):
            entry["url"] = f"/evaluations/{evaluation.pk}/figures/{entry['name']}.png"
    return entries


def open_stored_report(evaluation: Evaluation):
    """The stored standalone report, open for reading; FileNotFoundError when none was written
    (only a succeeded evaluation has one)."""
    if evaluation.status != "succeeded" or not evaluation.report:
        raise FileNotFoundError("no report")
    return evaluation.report.open("rb")


def open_stored_figure(evaluation: Evaluation, name: str):
    """One stored figure PNG, open for reading; FileNotFoundError when it was not drawn."""
    if name not in FIGURES or evaluation.status != "succeeded":
        raise FileNotFoundError(name)
    return default_storage.open(figure_path(evaluation, name), "rb")
