"""Correction effort per model version (docs/effort.md): did the last training round save time?

One row per model version whose proposals were submitted, and one row "no proposal" (blank or
the annotator's own previous section), over the project's submitted annotations. Every figure is
a median over submissions (one per annotation, its latest submission), so a few sections that
took unusually long do not move it.
"""

from __future__ import annotations

import statistics
from collections import defaultdict

from django.apps import apps

from annotations.models import AnnotationStatus, CorrectionEffort, Project
from annotations.selectors.annotation import hidden_from

AGGREGATION = "median over submissions"


def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def _version_names(project: Project, ids: set[int]) -> dict[int, str]:
    # Looked up by name: annotations never imports inference (docs/ARCHITECTURE.md).
    model_version = apps.get_model("inference", "ModelVersion")
    return dict(model_version.objects.filter(project=project, pk__in=ids).values_list("pk", "name"))


def _row(version: int | None, label: str, measures: list[dict]) -> dict:
    measured = [m for m in measures if m["proposal_dice"] is not None]
    unchanged = sum(1 for m in measured if m["changed_pixels"] == 0)
    return {
        "model_version": version,
        "label": label,
        "n": len(measures),
        "measured": len(measured),
        "accepted_unchanged": unchanged / len(measured) if measured else None,
        "median_dice": _median([m["proposal_dice"] for m in measured]),
        "median_changed_pixels": _median([m["changed_pixels"] for m in measured]),
        "median_minutes": _median([m["active_time_s"] / 60.0 for m in measures]),
        "aggregation": AGGREGATION,
    }


def effort_summary(project: Project, viewer) -> list[dict]:
    """Rows ``{model_version, label, n, measured, accepted_unchanged, median_dice,
    median_changed_pixels, median_minutes, aggregation}``: "no proposal" first (``model_version``
    None, present even when empty), then the model versions in id order. ``measured`` counts the
    submissions whose loaded proposal was recorded; the fraction accepted unchanged and the
    Dice are over those, the minutes over all ``n``. A ``viewer`` who annotates counts all of
    their own submissions and the others' without the sections still open (``hidden_from``)."""
    groups: dict[int | None, list[dict]] = defaultdict(list)
    for measure in (
        CorrectionEffort.objects.filter(
            annotation__section__project=project, annotation__status=AnnotationStatus.SUBMITTED
        )
        .exclude(hidden_from(viewer, project, via="annotation__"))
        .values("origin_model_version", "proposal_dice", "changed_pixels", "active_time_s")
    ):
        groups[measure["origin_model_version"]].append(measure)
    versions = sorted(v for v in groups if v is not None)
    names = _version_names(project, set(versions))
    rows = [_row(None, "No proposal", groups.get(None, []))]
    for version in versions:
        name = names.get(version)
        label = f"Model version {version}" + (f" · {name}" if name else " (deleted)")
        rows.append(_row(version, label, groups[version]))
    return rows


def annotation_efforts(annotation_ids) -> dict[int, dict]:
    """The stored measure of each annotation (by id) that has one."""
    return {
        row["annotation_id"]: row
        for row in CorrectionEffort.objects.filter(annotation_id__in=list(annotation_ids)).values(
            "annotation_id",
            "origin",
            "origin_model_version",
            "proposal_dice",
            "changed_pixels",
            "active_time_s",
        )
    }


def effort_chart(rows: list[dict]) -> list[dict]:
    """Horizontal bars per figure for the dashboard: each value as a percentage of its scale
    (fractions and Dice of 1, minutes of the longest median)."""
    longest = max((r["median_minutes"] or 0.0 for r in rows), default=0.0) or 1.0
    panels = (
        ("accepted_unchanged", "Proposals accepted unchanged", 1.0, True),
        ("median_dice", "Median correction Dice", 1.0, True),
        ("median_minutes", "Median minutes per section", longest, False),
    )
    chart = []
    for key, title, scale, proposal_only in panels:
        bars = [
            {
                "label": row["label"],
                "short": "No proposal"
                if row["model_version"] is None
                else f"Version {row['model_version']}",
                "version": row["model_version"],
                "value": row[key],
                "width": round(100.0 * row[key] / scale, 1),
            }
            for row in rows
            if row[key] is not None and not (proposal_only and row["model_version"] is None)
        ]
        chart.append({"key": key, "title": title, "bars": bars})
    return chart
