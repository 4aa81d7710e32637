"""Reads for evaluations: lists, the live snapshot, per-section results, comparisons, the
launch form's choices and the gallery. Every read checks membership (outsiders get 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from annotations.models import GroundTruth, GroundTruthSource, Project, Specimen
from annotations.permissions import get_in_project
from annotations.selectors.projects import project_filter_counts
from cellweb.jobs.rows import job_list_fields
from cellweb.jobs.snapshot import live_snapshot
from inference.models import (
    Evaluation,
    EvaluationMethod,
    EvaluationSetKind,
    ModelVersion,
    SectionResult,
)
from inference.selectors.evaluation_compare import METRIC_FIELDS, evaluation_compare
from inference.services.evaluation.target import target_value

__all__ = [
    "ORDERINGS",
    "evaluation_compare",
    "evaluation_form_choices",
    "evaluation_get",
    "evaluation_list_rows",
    "evaluation_public",
    "evaluation_snapshot",
    "evaluations_for_project",
    "gallery_page",
    "section_results",
]

ORDERINGS = {
    "dice": ("dice", "specimen__name", "volume_id", "z"),
    "-dice": ("-dice", "specimen__name", "volume_id", "z"),
    "section": ("specimen__name", "volume__time_index", "volume_id", "z"),
}


def evaluations_for_project(project: Project) -> QuerySet[Evaluation]:
    return (
        Evaluation.objects.filter(project=project)
        .select_related("created_by", "model_version")
        .defer("config", "summary", "log")
        .order_by("-created_at", "-id")
    )


def evaluation_get(*, user, evaluation_id: int) -> Evaluation:
    """The evaluation if ``user`` is a member of its project (outsiders get 404)."""
    queryset = Evaluation.objects.select_related("created_by", "model_version")
    return get_in_project(user, queryset, evaluation_id, "No such evaluation.")


def _primary_dice(evaluation: Evaluation) -> float | None:
    if "summary" in evaluation.get_deferred_fields():
        return None
    metrics = (evaluation.summary or {}).get("metrics") or {}
    return (metrics.get("dice") or {}).get("mean")


def evaluation_public(evaluation: Evaluation, *, dice: float | None = None) -> dict[str, Any]:
    """The short form used in lists."""
    return {
        **job_list_fields(evaluation),
        "model_version": evaluation.model_version_id,
        "model_name": (
            evaluation.model_version.name
            if evaluation.model_version_id and evaluation.model_version
            else None
        ),
        "set_kind": evaluation.set_kind,
        "set_label": evaluation.get_set_kind_display(),
        "set_params": evaluation.set_params,
        "gt_source": evaluation.gt_source,
        "threshold": evaluation.threshold,
        "split_touching": evaluation.split_touching,
        "sections": evaluation.sections,
        "progress": evaluation.progress,
        "dice": dice if dice is not None else _primary_dice(evaluation),
        "error": evaluation.error or None,
        "url": f"/evaluations/{evaluation.pk}/",
    }


def evaluation_list_rows(
    project: Project, *, limit: int = 100, offset: int = 0
) -> tuple[int, list[dict]]:
    """Evaluations with their mean Dice, without loading the large JSON columns."""
    query = evaluations_for_project(project)
    count = query.count()
    page = list(query[offset : offset + limit])
    dice = dict(
        Evaluation.objects.filter(pk__in=[e.pk for e in page]).values_list(
            "pk", "summary__metrics__dice__mean"
        )
    )
    return count, [
        evaluation_public(e, dice=dice.get(e.pk) if isinstance(dice.get(e.pk), float) else None)
        for e in page
    ]


def _plan(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in (config or {}).items() if k != "ground_truth_ids"}


def evaluation_snapshot(evaluation: Evaluation) -> dict[str, Any]:
    """Everything the live page needs, from the database (the websocket's first message).

    The evaluation is one unit of work, shown as the single entry of ``folds`` (index -1); its
    live events are the job's own (no fold); ``cellweb.jobs.snapshot`` reads it."""
    return live_snapshot("evaluation", evaluation, _evaluation_live, links=["model_version"])


def _evaluation_live(evaluation: Evaluation) -> dict[str, Any]:
    config = evaluation.config or {}
    total = int(config.get("total_sections") or 0)
    done = round(evaluation.progress * total) if total else None
    model = config.get("model") or {}
    summary = evaluation.summary
    return {
        **evaluation_public(evaluation),
        "project": evaluation.project.slug,
        "started_at": evaluation.started_at.isoformat() if evaluation.started_at else None,
        "heartbeat_at": evaluation.heartbeat_at.isoformat() if evaluation.heartbeat_at else None,
        "message": evaluation.message,
        "config": {
            "model": model.get("name") or "baselines only",
            "set": evaluation.set_kind,
            "set_params": evaluation.set_params,
            "gt_source": evaluation.gt_source,
            "threshold": evaluation.threshold,
            "methods": config.get("methods") or [],
            "specimens": config.get("specimens"),
            "volumes": config.get("volumes"),
        },
        "plan": _plan(config),
        "folds": [
            {
                "index": -1,
                "status": evaluation.status,
                "batch": done,
                "batches": total or None,
                "eta_s": None,
                "error": evaluation.error or None,
            }
        ],
        "summary": _summary_public(summary),
        "report_url": f"/evaluations/{evaluation.pk}/report.html" if evaluation.report else None,
        "csv_url": f"/evaluations/{evaluation.pk}/results.csv",
    }


def _summary_public(summary: dict[str, Any] | None) -> dict[str, Any] | None:
    """The headline metrics and, per method, the target class's object numbers; per class
    scored, its metrics for the primary method, null with ``not_scored`` saying why where no
    scored section holds the class (``services/evaluation/absent.py``)."""
    if not summary:
        return None
    primary = summary.get("primary")
    classes = [
        {
            "value": cls["value"],
            "name": cls["name"],
            "kind": cls.get("kind"),
            "metrics": cls.get("metrics") or {},
            "not_scored": ((cls.get("by_method") or {}).get(primary) or {}).get("not_scored"),
        }
        for cls in summary.get("classes") or []
    ]
    return {
        "metrics": summary.get("metrics") or {},
        "objects": summary.get("objects") or {},
        "classes": classes,
    }


def section_results(
    *,
    evaluation: Evaluation,
    method: str | None = None,
    ordering: str = "dice",
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """Per-section results, worst Dice first by default (served by the (evaluation, method,
    dice) index)."""
    methods = (evaluation.config or {}).get("methods") or []
    method = method or (methods[0] if methods else EvaluationMethod.EDGE)
    rows = SectionResult.objects.filter(
        evaluation=evaluation, method=method, class_value=target_value(evaluation)
    )
    count = rows.count()
    values = rows.order_by(*ORDERINGS[ordering]).values(
        "section_id",
        "specimen_id",
        "specimen__name",
        "specimen__lab",
        "volume_id",
        "volume__time_index",
        "z",
        "method",
        "fold_index",
        "ground_truth_id",
        "section__fluorescence_id",
        "gt_pixels",
        "pred_pixels",
        *METRIC_FIELDS,
    )[offset : offset + limit]
    return count, [
        {
            "section": r["section_id"],
            "specimen": r["specimen__name"],
            "specimen_id": r["specimen_id"],
            "lab": r["specimen__lab"],
            "volume": r["volume_id"],
            "time_index": r["volume__time_index"],
            "z": r["z"],
            "method": r["method"],
            "fold": r["fold_index"],
            "ground_truth": r["ground_truth_id"],
            "fluorescence_section": r["section__fluorescence_id"],
            "gt_pixels": r["gt_pixels"],
            "pred_pixels": r["pred_pixels"],
            **{k: r[k] for k in METRIC_FIELDS},
        }
        for r in values
    ]


def gallery_page(*, evaluation: Evaluation, page: int, per_page: int = 12) -> dict[str, Any]:
    methods = (evaluation.config or {}).get("methods") or []
    primary = methods[0] if methods else EvaluationMethod.EDGE
    count = SectionResult.objects.filter(evaluation=evaluation, method=primary).count()
    pages = max(1, -(-count // per_page))
    page = min(max(1, page), pages)
    _, rows = section_results(
        evaluation=evaluation, method=primary, limit=per_page, offset=(page - 1) * per_page
    )
    base = f"/api/evaluations/{evaluation.pk}/sections"
    for row in rows:
        row["image_url"] = f"/api/sections/{row['section']}/image.png"
        row["layers"] = {
            layer: f"{base}/{row['section']}/layer/{layer}.png" for layer in ("gt", "pred", "edge")
        }
        row["fluorescence_url"] = (
            f"/api/sections/{row['fluorescence_section']}/image.png?tint=green"
            if row["fluorescence_section"]
            else None
        )
    return {
        "rows": rows,
        "page": page,
        "pages": pages,
        "count": count,
        "per_page": per_page,
        "primary": primary,
        "has_model": "model" in methods,
    }


def evaluation_form_choices(project: Project) -> dict[str, Any]:
    """Model versions, labs, tags, specimens and ground-truth counts for the launch form."""
    versions = list(
        ModelVersion.objects.filter(project=project)
        .order_by("-created_at", "-id")
        .values("id", "name", "kind", "job_id")[:200]
    )
    gt_counts = dict(
        GroundTruth.objects.filter(section__project=project, is_current=True)
        .values_list("source")
        .annotate(n=Count("id"))
    )
    specimens = list(
        Specimen.objects.filter(project=project)
        .annotate(
            gt=Count("sections__ground_truths", filter=Q(sections__ground_truths__is_current=True))
        )
        .order_by("name")
        .values("id", "name", "lab", "gt")[:1000]
    )
    return {
        "versions": versions,
        **project_filter_counts(project=project),
        "sources": [
            {"value": s.value, "label": s.label, "sections": gt_counts.get(s.value, 0)}
            for s in GroundTruthSource
        ],
        "set_kinds": [{"value": k.value, "label": k.label} for k in EvaluationSetKind],
        "specimens": specimens,
    }
