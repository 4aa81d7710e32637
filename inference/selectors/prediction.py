"""Reading predictions: one for a member, its live snapshot, its nuclei, the active model's
current nuclei of a volume, per-nucleus time series and the two-group comparison by tag."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from django.db.models import Q, QuerySet

from annotations.models import Project, Tag, Volume
from annotations.permissions import get_in_project
from cellweb.jobs.api import job_row_public
from cellweb.jobs.snapshot import live_snapshot
from inference.models import ModelVersion, Prediction, PredictionResult, PredictionSettings

__all__ = [
    "SERIES_KEYS",
    "active_model_version",
    "comparison_refusal",
    "current_result_for_volume",
    "group_comparison",
    "no_signal_points",
    "nucleus_series",
    "prediction_get",
    "prediction_list",
    "prediction_public",
    "prediction_results",
    "prediction_settings",
    "prediction_snapshot",
    "time_min",
]

# area_um2: the nuclei of single-section fields (bright-field, phase), which have no volume.
SERIES_KEYS = ("volume_um3", "area_um2", "surface_area_um2", "mean_ri", "dry_mass_pg")


def prediction_get(*, user, prediction_id: int) -> Prediction:
    """The prediction if ``user`` is a member of its project (outsiders get 404)."""
    queryset = Prediction.objects.select_related("created_by", "model_version")
    return get_in_project(user, queryset, prediction_id, "No such prediction.")


def prediction_public(prediction: Prediction) -> dict[str, Any]:
    model = (prediction.config or {}).get("model") or {}
    return {
        **job_row_public(prediction),
        "model_version": prediction.model_version_id,
        "model_name": model.get("name"),
        "options": (prediction.config or {}).get("options") or {},
        "specimens": (prediction.config or {}).get("specimens") or [],
        "sections": prediction.sections,
        "volumes": len((prediction.config or {}).get("volumes") or []),
        "launched_by": launched_by(prediction),
    }


def launched_by(prediction: Prediction) -> str:
    """Who launched it, as a page says it: "mona", "mona (new import)", "the command line",
    "the system (new import)"; a run recorded before its origin was, with no user: "the system"."""
    origin = (prediction.config or {}).get("origin")
    user = prediction.created_by.get_username() if prediction.created_by_id else None
    if origin == "new import":
        return f"{user} (new import)" if user else "the system (new import)"
    if user:
        return user
    return "the command line" if origin == "command" else "the system"


def prediction_list(*, project: Project, limit: int = 50) -> list[dict[str, Any]]:
    rows = Prediction.objects.filter(project=project).select_related("project", "created_by")
    return [prediction_public(p) for p in rows[:limit]]


def prediction_snapshot(prediction: Prediction) -> dict[str, Any]:
    """What the live page shows (``cellweb.jobs.snapshot``)."""
    return live_snapshot("prediction", prediction, _prediction_live)


def _prediction_live(prediction: Prediction) -> dict[str, Any]:
    done = round(prediction.progress * prediction.sections)
    return {
        **prediction_public(prediction),
        "batch": done,
        "batches": prediction.sections,
        "summary": prediction.summary or [],
        "replaced": prediction.status == "succeeded"
        and not PredictionResult.objects.filter(prediction=prediction).exists()
        and bool(prediction.summary),
    }


def prediction_results(prediction: Prediction) -> QuerySet[PredictionResult]:
    """Its current results, and those of the series it continued ("predict new imports" of a
    time point after a tracked series: ``config["continued_results"]``), so its series, CSV and
    page show the whole series under one set of track ids; a result replaced since is left out."""
    continued = (prediction.config or {}).get("continued_results") or []
    return (
        PredictionResult.objects.filter(
            Q(prediction=prediction) | Q(pk__in=continued), is_current=True
        )
        .select_related("specimen__project", "volume", "model_version", "prediction")
        .order_by("specimen__name", "specimen_id", "time_index")
    )


def time_min(specimen, time_index: int) -> float | None:
    """The time of ``time_index`` in minutes: the index times the specimen's frame interval
    (time since time point 0); None when the interval is unknown (docs/prediction.md)."""
    interval = specimen.frame_interval_min
    if interval is None:
        return None
    return float(f"{time_index * interval:.9g}")


def nuclei_rows(results) -> list[dict[str, Any]]:
    """Every nucleus of ``results``, flat, as the API and the table give it."""
    return [
        {
            "specimen": r.specimen.name,
            "specimen_id": r.specimen_id,
            "time_index": r.time_index,
            "time_min": time_min(r.specimen, r.time_index),
            "volume": r.volume_id,
            "medium_ri": r.medium_ri,
            "touches_edge": None,  # unknown: a result stored before the flag
            **nucleus,
        }
        for r in results
        for nucleus in r.nuclei
    ]


def nucleus_series(results) -> list[dict[str, Any]]:
    """Per tracked nucleus (specimen, id): its quantities at each time point, for the charts;
    each point's ``time_min`` beside its index ``t`` where the specimen's frame interval is
    known (else null)."""
    series: dict[tuple[int, int], dict[str, Any]] = {}
    for r in results:
        for nucleus in r.nuclei:
            key = (r.specimen_id, nucleus["id"])
            entry = series.setdefault(
                key,
                {
                    "specimen": r.specimen.name,
                    "nucleus": nucleus["id"],
                    "parent": nucleus.get("parent"),
                    "points": [],
                },
            )
            point = {
                "t": r.time_index,
                "time_min": time_min(r.specimen, r.time_index),
                **{k: nucleus.get(k) for k in SERIES_KEYS},
            }
            # None where the result predates the flag: unknown, not "away from the edge".
            entry["points"].append({**point, "touches_edge": nucleus.get("touches_edge")})
    return list(series.values())


def no_signal_points(results) -> list[dict[str, Any]]:
    """The time points of ``results`` that had no signal (a dropped or blank frame): gaps of
    every series, not time points with zero nuclei."""
    return [
        {"specimen": r.specimen.name, "specimen_id": r.specimen_id, "t": r.time_index}
        for r in results
        if r.no_signal
    ]


def _mean_sd(values: list[float]) -> dict[str, Any]:
    n = len(values)
    mean = sum(values) / n
    # A single nucleus has no sample SD: None, not a spread of zero.
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else None
    return {"mean": mean, "sd": sd, "n": n}


def _specimen_tags(results) -> dict[int, set[str]]:
    """The tag names of each specimen of ``results``, in one query."""
    specimen_tags: dict[int, set[str]] = defaultdict(set)
    pairs = Tag.objects.filter(specimens__in={r.specimen_id for r in results})
    for specimen_id, name in pairs.values_list("specimens", "name"):
        specimen_tags[specimen_id].add(name)
    return specimen_tags


def comparison_refusal(results, tags: tuple[str, str], quantity: str) -> str | None:
    """Why comparing ``tags`` on ``quantity`` would show an empty group, or ``None``: a tag no
    specimen of ``results`` carries (a typo), or a quantity none of their nuclei has (a volume
    of single-section fields, an RI of phase images)."""
    results = list(results)
    specimen_tags = _specimen_tags(results)
    carried = set().union(*(specimen_tags[r.specimen_id] for r in results))
    missing = [t for t in tags if t not in carried]
    if missing:
        names = ", ".join(sorted(carried, key=str.lower)) or "none"
        return f"No specimen of this prediction is tagged “{missing[0]}”; its specimens' tags: {names}."
    measured = [
        k for k in SERIES_KEYS if any(n.get(k) is not None for r in results for n in r.nuclei)
    ]
    if measured and quantity not in measured:
        return (
            f"No nucleus of this prediction has {quantity}; its nuclei have "
            f"{', '.join(measured)} (single-section fields have an area, not a volume)."
        )
    return None


def group_comparison(
    results, *, tags: tuple[str, str], quantity: str = "volume_um3", include_edge: bool = False
) -> dict[str, Any]:
    """Mean ± SD (sample SD, n − 1) of ``quantity`` over the nuclei of each tag's specimens,
    per time point (paper 001's LPS-treated vs control curves): the nuclei away from the
    field's edge (a cut nucleus measures too small, inference/ml/field_edges.py), every nucleus
    with ``include_edge``. A time point with no signal has no nucleus: no entry, a gap. A
    point's ``time_min`` is given when the specimens compared share one frame interval;
    otherwise one time point is not one time, and it is null."""
    if quantity not in SERIES_KEYS:
        raise ValueError(f"unknown quantity {quantity!r}")
    results = list(results)
    specimen_tags = _specimen_tags(results)
    compared = {
        r.specimen_id: r.specimen for r in results if specimen_tags[r.specimen_id] & set(tags)
    }
    intervals = {s.frame_interval_min for s in compared.values()}
    clock = next(iter(compared.values())) if len(intervals) == 1 else None
    groups = {}
    for tag in tags:
        per_time: dict[int, list[float]] = defaultdict(list)
        for r in results:
            if tag in specimen_tags[r.specimen_id]:
                per_time[r.time_index] += [
                    n[quantity]
                    for n in r.nuclei
                    if n.get(quantity) is not None and (include_edge or not n.get("touches_edge"))
                ]
        groups[tag] = [
            {"t": t, "time_min": time_min(clock, t) if clock else None, **_mean_sd(values)}
            for t, values in sorted(per_time.items())
            if values
        ]
    return {"quantity": quantity, "groups": groups, "edge_nuclei_included": include_edge}


def active_model_version(project: Project) -> ModelVersion | None:
    return ModelVersion.objects.filter(project=project, is_active=True).first()


def current_result_for_volume(volume: Volume) -> PredictionResult | None:
    """The active model's current result on ``volume`` (the viewer's contours)."""
    active = active_model_version(volume.specimen.project)
    if active is None:
        return None
    return (
        PredictionResult.objects.filter(volume=volume, model_version=active, is_current=True)
        .select_related("prediction")
        .first()
    )


def prediction_settings(project: Project) -> PredictionSettings:
    """The project's settings, unsaved defaults when none were stored (a GET never writes)."""
    return PredictionSettings.objects.filter(project=project).first() or PredictionSettings(
        project=project
    )
