"""Reads behind the evaluation pages: the list, one evaluation (live job or stored report), the
overlay gallery and the side-by-side comparison. Each page asks one function here; none of them
writes anything (the report is written by the evaluation's final step)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils.dateparse import parse_datetime

from annotations.models import Project, Role
from inference.models import (
    Evaluation,
    EvaluationMethod,
    EvaluationSetKind,
    ModelVersion,
    SectionResult,
    VolumeResult,
)
from inference.reports import labels, report_context, stored_figures
from inference.reports.html import worst_tables
from inference.reports.sections import nucleus_blocks, section_rows
from inference.reports.set_figures import compare_figure_png
from inference.selectors import evaluation as evaluations
from inference.selectors.fluorescence_gt import fluorescence_flags
from inference.selectors.scored_sections import withheld_truth_sections
from inference.services.evaluation.target import evaluation_classes, target_value

__all__ = [
    "GALLERY_PER_PAGE",
    "WORST_ON_PAGE",
    "evaluation_comparison",
    "evaluation_gallery",
    "evaluation_list",
    "evaluation_page",
    "open_volume_mask",
]

WORST_ON_PAGE = 10
GALLERY_PER_PAGE = 12


def _cross_validation_labels(rows: list[dict]) -> dict[int, str]:
    """{model version id: "OS-Net · job N (k folds)"} for the cross-validation rows."""
    ids = {r["model_version"] for r in rows if r["set_kind"] == EvaluationSetKind.CROSS_VALIDATION}
    if not ids:
        return {}
    versions = list(
        ModelVersion.objects.filter(pk__in=ids, job__isnull=False).values_list(
            "pk", "arch", "job_id"
        )
    )
    folds = dict(
        ModelVersion.objects.filter(job_id__in={job for _, _, job in versions}, kind="fold")
        .order_by()
        .values_list("job_id")
        .annotate(n=Count("id"))
    )
    return {
        pk: labels.cross_validation_label(arch=arch, job_id=job, folds=folds[job])
        for pk, arch, job in versions
        if folds.get(job)
    }


def evaluation_list(project: Project, *, limit: int = 200) -> list[dict[str, Any]]:
    _, rows = evaluations.evaluation_list_rows(project, limit=limit)
    cv_labels = _cross_validation_labels(rows)
    for row in rows:
        row["created_label"] = row["created_at"][:16].replace("T", " ")
        row["model_label"] = cv_labels.get(row["model_version"]) or row["model_name"]
    return rows


def _volume_downloads(evaluation: Evaluation) -> list[dict[str, Any]]:
    rows = (
        VolumeResult.objects.filter(evaluation=evaluation, class_value=target_value(evaluation))
        .exclude(pred_mask="")
        .order_by("specimen__name", "time_index", "volume_id", "method")
        .values_list("volume_id", "specimen__name", "time_index", "method")
    )
    volumes: dict[int, dict] = {}
    for volume_id, name, time_index, method in rows:
        entry = volumes.setdefault(
            volume_id,
            {"volume": volume_id, "specimen": name, "time_index": time_index, "links": []},
        )
        entry["links"].append(
            {
                "method": method,
                "label": labels.method_label(evaluation, method),
                "url": f"/evaluations/{evaluation.pk}/masks/{volume_id}.tif?method={method}",
            }
        )
    return list(volumes.values())


def evaluation_page(evaluation: Evaluation, *, user, roles) -> dict[str, Any]:
    """What the evaluation page shows: the plan always; the stored report once succeeded."""
    config = evaluation.config or {}
    as_of = config.get("as_of")
    context: dict[str, Any] = {
        "evaluation": evaluation,
        "config_data": config,
        "as_of": parse_datetime(as_of) if isinstance(as_of, str) else None,
        "model_label": labels.method_label(evaluation, EvaluationMethod.MODEL),
        "prediction_split": labels.prediction_split_label(evaluation),
        "can_cancel": Role.MANAGER in roles or evaluation.created_by_id == user.pk,
        "is_report": evaluation.status == "succeeded" and bool(evaluation.summary),
    }
    if not context["is_report"]:
        return context
    figures = stored_figures(evaluation)
    return (
        context
        | report_context(evaluation)
        | {
            "figures": figures or [],
            "report_stored": figures is not None,
            "worst_tables": worst_tables(evaluation, WORST_ON_PAGE),
            "volume_downloads": _volume_downloads(evaluation),
        }
    )


def _subset_labels(classes: list[dict[str, Any]], value: int) -> dict[str, str]:
    """The subsets' names; with several classes the second names the class shown."""
    name = next((c["name"] for c in classes if c["value"] == value), None)
    if len(classes) < 2 or name is None:
        return dict(labels.SUBSETS)
    return {"all": labels.SUBSETS["all"], "nucleus": f"sections with {name} in the ground truth"}


def _gallery_subsets(
    evaluation: Evaluation, primary: str, value: int, names: dict[str, str]
) -> list[dict[str, Any]]:
    summary = evaluation.summary or {}
    block = next((c for c in summary.get("classes") or [] if c["value"] == value), summary)
    blocks = {
        "all": ((block.get("by_method") or {}).get(primary) or {}).get("set") or {},
        "nucleus": (nucleus_blocks(evaluation, [primary], value).get(primary) or {}).get("set")
        or {},
    }
    return [
        {
            "key": key,
            "label": names[key],
            "sections": block.get("sections") or 0,
            "dice": (block.get("dice") or {}).get("mean"),
        }
        for key, block in blocks.items()
    ]


def evaluation_gallery(
    evaluation: Evaluation,
    *,
    viewer,
    page: int,
    subset: str = "all",
    value: int | None = None,
    per_page: int = GALLERY_PER_PAGE,
) -> dict[str, Any]:
    """One page of scored sections of the primary method for class ``value`` (default: the
    target class), worst Dice first, with the URLs of the section image, the class's contour
    layers and its paired stain. A ground truth the blind rule withholds from ``viewer``
    (``withheld_truth_sections``) has no layer URL and says so (``truth_withheld``)."""
    methods = (evaluation.config or {}).get("methods") or []
    primary = methods[0] if methods else EvaluationMethod.EDGE
    subset = subset if subset in labels.SUBSETS else "all"
    classes = evaluation_classes(evaluation)
    value = target_value(evaluation) if value is None else value
    # A binary evaluation keeps its layer URLs as they were.
    query = f"?class={value}" if len(classes) > 1 else ""
    names = _subset_labels(classes, value)
    subsets = _gallery_subsets(evaluation, primary, value, names)
    count = next(s["sections"] for s in subsets if s["key"] == subset)
    pages = max(1, -(-count // per_page))
    page = min(max(1, page), pages)
    _, rows = section_rows(
        evaluation,
        method=primary,
        subset=subset,
        limit=per_page,
        offset=(page - 1) * per_page,
        value=value,
    )
    base = f"/api/evaluations/{evaluation.pk}/sections"
    # The quality flags of the fluorescence masks this evaluation scored against.
    flags = fluorescence_flags(
        ground_truth_ids=(evaluation.config or {}).get("ground_truth_ids") or [],
        section_ids=[row["section"] for row in rows],
    )
    withheld = withheld_truth_sections(
        user=viewer, evaluation=evaluation, section_ids=[row["section"] for row in rows]
    )
    for row in rows:
        row["gt_flag"] = flags.get(row["section"])
        row["truth_withheld"] = row["section"] in withheld
        row["image_url"] = f"/api/sections/{row['section']}/image.png"
        row["layers"] = {
            layer: f"{base}/{row['section']}/layer/{layer}.png{query}"
            for layer in ("gt", "pred", "edge")
            if not (layer == "gt" and row["truth_withheld"])
        }
        fluorescence = row["fluorescence_section"]
        row["fluorescence_url"] = (
            f"/api/sections/{fluorescence}/image.png?tint=green" if fluorescence else None
        )
    return {
        "evaluation": evaluation,
        "rows": rows,
        "page": page,
        "pages": pages,
        "count": count,
        "subset": subset,
        "subset_label": names[subset],
        "nucleus_definition": labels.NUCLEUS_DEFINITION,
        "subsets": subsets,
        "classes": classes if len(classes) > 1 else [],
        "class_value": value,
        "class_query": f"class={value}&" if len(classes) > 1 else "",
        "edge_scored": len(classes) == 1
        or SectionResult.objects.filter(
            evaluation=evaluation, method=EvaluationMethod.EDGE, class_value=value
        ).exists(),
        "primary_label": labels.method_label(evaluation, primary),
        "pred_label": labels.method_label(
            evaluation, EvaluationMethod.MODEL if "model" in methods else EvaluationMethod.OTSU
        ),
    }


def _better(a, b) -> str:
    # Equal up to summation order is equal: only a difference a reader could see counts.
    if a is None or b is None or abs(a - b) < 5e-7:
        return ""
    return "a" if a > b else "b"


def evaluation_comparison(*, user, a_id: int, b_id: int) -> dict[str, Any]:
    """Two evaluations side by side over all sections and over sections with a nucleus, and
    the scatter of their paired per-section Dice."""
    comparison = evaluations.evaluation_compare(user=user, a_id=a_id, b_id=b_id)
    a, b = comparison["a"], comparison["b"]
    nucleus = {
        "a": nucleus_blocks(a, [m for m, _ in comparison["method_pairs"]]),
        "b": nucleus_blocks(b, [m for _, m in comparison["method_pairs"]]),
    }
    label_a = labels.method_label(a, comparison["primary_a"])
    label_b = labels.method_label(b, comparison["primary_b"])
    rows = []
    for row in comparison["rows"]:
        name_a = labels.method_label(a, row["method_a"])
        name_b = labels.method_label(b, row["method_b"])
        a_nucleus = ((nucleus["a"].get(row["method_a"]) or {}).get("set") or {}).get(row["key"])
        b_nucleus = ((nucleus["b"].get(row["method_b"]) or {}).get("set") or {}).get(row["key"])
        rows.append(
            {
                **row,
                "method_label": name_a if name_a == name_b else f"{name_a} / {name_b}",
                "metric_label": labels.metric_label(row["key"]),
                "better": _better(row["a"].get("mean"), row["b"].get("mean")),
                "a_nucleus": a_nucleus or {},
                "b_nucleus": b_nucleus or {},
                "better_nucleus": _better(
                    (a_nucleus or {}).get("mean"), (b_nucleus or {}).get("mean")
                ),
            }
        )
    png = compare_figure_png(comparison["pairs"], f"#{a.pk} {label_a}", f"#{b.pk} {label_b}")
    return {
        "comparison": comparison,
        "rows": rows,
        "scatter_png": png,
        "label_a": label_a,
        "label_b": label_b,
        "aggregation": labels.AGGREGATIONS["sections"],
    }


def open_volume_mask(evaluation: Evaluation, *, volume_id: int, method: str | None):
    """(open file, method) of a stored predicted mask; FileNotFoundError when there is none.
    Without ``method``: the evaluation's first method (the model, else edge-based)."""
    methods = (evaluation.config or {}).get("methods") or []
    method = method or (methods[0] if methods else EvaluationMethod.EDGE)
    result = (
        VolumeResult.objects.filter(
            evaluation=evaluation,
            volume_id=volume_id,
            method=method,
            class_value=target_value(evaluation),
        )
        .exclude(pred_mask="")
        .first()
    )
    if result is None:
        raise FileNotFoundError(f"volume {volume_id} / {method}")
    return result.pred_mask.open("rb"), method
