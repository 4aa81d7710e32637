"""Reading learning curves: one for a member, its live snapshot, the project's list, the page's
table and plateau sentence, the start versions a form offers, and the stored report files."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.http import Http404

from annotations.models import Project
from annotations.permissions import get_in_project
from cellweb.jobs.api import job_row_public
from cellweb.jobs.snapshot import live_snapshot
from inference.models import LearningCurve, ModelVersion, ModelVersionTask
from inference.services.learning_curve.summary import (
    curve_map_scored_at,
    curve_split_touching,
    learning_curve_tables,
)

__all__ = [
    "learning_curve_get",
    "learning_curve_list",
    "learning_curve_open_file",
    "learning_curve_page",
    "learning_curve_public",
    "learning_curve_snapshot",
    "start_version_choices",
]


def learning_curve_get(*, user, curve_id: int) -> LearningCurve:
    queryset = LearningCurve.objects.select_related("created_by", "start_version")
    return get_in_project(user, queryset, curve_id, "No such learning curve.")


def learning_curve_public(curve: LearningCurve) -> dict[str, Any]:
    config = curve.config or {}
    return {
        **job_row_public(curve),
        "sizes": config.get("sizes") or [],
        "seeds": config.get("seeds"),
        "arch": config.get("arch"),
        "start_version": curve.start_version_id,
        "held_out": curve.held_out,
        "split_touching": curve_split_touching(curve),
        "map_scored_at": curve_map_scored_at(curve),
        "total_points": curve.total_points,
        "points": curve.points,
    }


def learning_curve_snapshot(curve: LearningCurve) -> dict[str, Any]:
    """What the live page shows (``cellweb.jobs.snapshot``)."""
    return live_snapshot("learning_curve", curve, learning_curve_public)


def learning_curve_list(*, project: Project, limit: int = 50) -> list[dict[str, Any]]:
    rows = LearningCurve.objects.filter(project=project).select_related("project", "created_by")
    return [learning_curve_public(c) for c in rows[:limit]]


def learning_curve_page(curve: LearningCurve) -> dict[str, Any]:
    """The page: the tables, and the stored figure and downloads once the job has written them."""
    stored = bool(((curve.result or {}).get("files") or {}).get("figure"))
    return {
        **learning_curve_tables(curve),
        "figure_src": f"/learning-curves/{curve.pk}/curve.png?inline=1" if stored else None,
        "downloads": stored,
    }


def learning_curve_open_file(curve: LearningCurve, key: str):
    name = ((curve.result or {}).get("files") or {}).get(key)
    if not name or not default_storage.exists(name):
        raise Http404("This learning curve has no such file (it has not finished).")
    return default_storage.open(name, "rb")


def start_version_choices(project: Project) -> list[ModelVersion]:
    """Versions a curve may start from: this project's, in-silico-labelling versions first."""
    versions = list(ModelVersion.objects.filter(project=project).order_by("-created_at", "-id"))
    return sorted(versions, key=lambda v: 0 if _in_silico(v) else 1)


def _in_silico(version: ModelVersion) -> bool:
    return version.task == ModelVersionTask.ISL
