"""Launching a prediction: the one path for the web form, the API, ``manage.py predict`` and
"predict new imports".

The model version (default: the project's active one), the specimens (by id, name or tag;
default: every specimen) and the time points (default: all) are resolved and checked before
anything is written; the plan is recorded on the row and the job goes to the ``gpu`` queue
after commit. No ground truth is needed. Some time points of a specimen whose other time points
hold current results of the same model are refused; for "predict new imports" they continue the
held tracks, or widen to the whole series, and take in the time points a failed or cancelled
run left without a result (``series.py``): a time-lapse has one set of track ids.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from annotations.models import LABEL_FREE_MODALITIES, Project, Role, Specimen, Volume
from annotations.permissions import require_role
from cellweb.errors import ConflictError, InvalidInput, NotFoundError
from cellweb.jobs import job_cancel, job_launch, log_entry
from cellweb.words import counted
from inference.ml.predict import PredictOptions
from inference.ml.tiling import tile_size_error
from inference.ml.tracking import MAX_TRACK_GAP
from inference.models import ModelVersion, Prediction
from inference.selectors.model_versions import active_version_or_refuse
from inference.services.channels import require_project_channels
from inference.services.model_versions import require_segmentation
from inference.services.prediction.series import (
    continuation_points,
    continued_run,
    held_elsewhere,
    holes_note,
    partial_series_message,
    plan_unheld_holes,
)

__all__ = ["prediction_cancel", "prediction_launch", "resolve_model_version"]


# Where a prediction was launched: the page or the API, ``manage.py predict``, or the import
# listener ("predict new imports"); a page names the launcher with it.
ORIGIN_WEB, ORIGIN_COMMAND, ORIGIN_NEW_IMPORT = "web", "command", "new import"
ORIGINS = (ORIGIN_WEB, ORIGIN_COMMAND, ORIGIN_NEW_IMPORT)


def resolve_model_version(project: Project, model_version_id: int | None) -> ModelVersion:
    """The chosen version of ``project``, or its active one."""
    if model_version_id is not None:
        version = ModelVersion.objects.filter(pk=model_version_id, project=project).first()
        if version is None:
            raise NotFoundError(f"No model version {model_version_id} in this project.")
        require_segmentation(version)
        return version
    return active_version_or_refuse(
        project,
        "This project has no active model: activate a model version (Models page) or choose one.",
    )


def _specimens(
    project: Project,
    specimen_ids: Iterable[int] | None,
    specimen_names: Iterable[str] | None,
    tag: str | None,
) -> list[Specimen]:
    queryset = Specimen.objects.filter(project=project).order_by("name", "id")
    ids = sorted({int(i) for i in specimen_ids or []})
    names = sorted(set(specimen_names or []))
    if ids:
        found = list(queryset.filter(pk__in=ids))
        missing = sorted(set(ids) - {s.pk for s in found})
        if missing:
            raise NotFoundError(f"No specimen {missing[0]} in this project.")
        queryset = queryset.filter(pk__in=ids)
    if names:
        found_names = set(queryset.filter(name__in=names).values_list("name", flat=True))
        missing_names = [n for n in names if n not in found_names]
        if missing_names:
            raise NotFoundError(f"No specimen named “{missing_names[0]}” in this project.")
        queryset = queryset.filter(name__in=names)
    if tag:
        if not project.tags.filter(name=tag).exists():
            raise NotFoundError(f"No tag “{tag}” in this project.")
        queryset = queryset.filter(tags__name=tag)
    return list(queryset.distinct())


def _options(threshold, tta, split_touching, watershed_h, min_voxels, track_gap) -> PredictOptions:
    try:
        threshold = float(threshold)
        watershed_h = float(watershed_h)
        min_voxels = int(min_voxels)
        track_gap = int(track_gap)
    except (TypeError, ValueError):
        raise InvalidInput(
            "threshold, watershed_h, min_voxels and track_gap must be numbers."
        ) from None
    if not (math.isfinite(threshold) and 0.0 < threshold < 1.0):
        raise InvalidInput("The threshold must be strictly between 0 and 1 (the paper uses 0.5).")
    if not (math.isfinite(watershed_h) and watershed_h > 0):
        raise InvalidInput("The watershed depth h must be a positive number (µm).")
    if min_voxels < 1:
        raise InvalidInput("min_voxels must be at least 1.")
    if not 0 <= track_gap <= MAX_TRACK_GAP:
        raise InvalidInput(f"track_gap must be a whole number from 0 to {MAX_TRACK_GAP}.")
    return PredictOptions(
        threshold=threshold,
        tta=bool(tta),
        split_touching=bool(split_touching),
        watershed_h=watershed_h,
        min_voxels=min_voxels,
        track_gap=track_gap,
    )


def _volumes(
    specimens: list[Specimen], times: list[int] | None, version: ModelVersion, strict: bool = True
):
    """The label-free volumes of the plan; a time point with none the version was trained on is
    refused (``strict``) or left out."""
    rows = list(
        Volume.objects.filter(specimen__in=specimens, modality__in=LABEL_FREE_MODALITIES)
        .order_by("specimen__name", "specimen_id", "time_index", "modality", "channel")
        .values("id", "specimen_id", "modality", "time_index", "size_z")
    )
    if times is not None:
        rows = [r for r in rows if r["time_index"] in times]
    trained_on = set((version.config or {}).get("modalities") or [])
    if trained_on:
        # A field imaged in several modalities is segmented in one the version was trained on.
        readable = {
            (r["specimen_id"], r["time_index"]) for r in rows if r["modality"] in trained_on
        }
        wrong = [r for r in rows if (r["specimen_id"], r["time_index"]) not in readable]
        if wrong and strict:
            raise ConflictError(
                f"Model version “{version.name}” was trained on {', '.join(sorted(trained_on))} "
                f"images; {len(wrong)} of the chosen volumes are {wrong[0]['modality']}. "
                "Choose other specimens or another model.",
                code="modality_mismatch",
            )
        rows = [r for r in rows if r["modality"] in trained_on]
    # One label-free modality per specimen and time point: the first in the fixed order.
    seen: set[tuple[int, int]] = set()
    chosen = []
    for r in rows:
        key = (r["specimen_id"], r["time_index"])
        if key not in seen:
            seen.add(key)
            chosen.append(r)
    return chosen


def plan_rows(volumes: list[dict[str, Any]], names: dict[int, str]) -> list[dict[str, Any]]:
    """The plan's volumes as ``config["volumes"]`` records them (``names``: specimen names)."""
    return [
        {
            "id": v["id"],
            "specimen": v["specimen_id"],
            "specimen_name": names[v["specimen_id"]],
            "time_index": v["time_index"],
            "modality": v["modality"],
            "size_z": v["size_z"],
        }
        for v in volumes
    ]


def series_volumes(
    specimen: Specimen, version: ModelVersion, strict: bool = True
) -> list[dict[str, Any]]:
    """Every time point of ``specimen`` that ``version`` segments, as the plan records it (one
    with no volume it was trained on refused, ``strict``, or left out)."""
    rows = _volumes([specimen], None, version, strict)
    return plan_rows(rows, {specimen.pk: specimen.name})


def prediction_launch(
    *,
    project: Project,
    user,
    model_version_id: int | None = None,
    specimen_ids: Iterable[int] | None = None,
    specimen_names: Iterable[str] | None = None,
    tag: str | None = None,
    time_points: Iterable[int] | None = None,
    threshold: float = 0.5,
    tta: bool = False,
    split_touching: bool = False,
    watershed_h: float = 1.0,
    min_voxels: int = 27,
    track_gap: int = 2,
    queue: bool = True,
    origin: str = ORIGIN_WEB,
) -> Prediction:
    """Check the request, record the plan and queue the job (``queue=False``: the caller runs
    it, ``manage.py predict --wait``). ``user`` None is the system ("predict new imports") or a
    command run without ``--user``; ``origin`` records which: ``ORIGINS``."""
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {ORIGINS}, got {origin!r}")
    if user is not None:
        require_role(user, project, Role.MANAGER)
    version = resolve_model_version(project, model_version_id)
    if reason := tile_size_error(
        version.arch, int((version.config or {}).get("input_size") or 448)
    ):
        raise ConflictError(reason, code="unsupported_input_size")
    require_project_channels(version, project.pk)
    options = _options(threshold, tta, split_touching, watershed_h, min_voxels, track_gap)
    times = sorted({int(t) for t in time_points}) if time_points else None
    specimens = _specimens(project, specimen_ids, specimen_names, tag)
    volumes = _volumes(specimens, times, version)
    if not volumes:
        raise ConflictError(
            "There is no label-free volume to segment among the chosen specimens"
            + (" at the chosen time points." if times else "."),
            code="no_volumes",
        )
    names = {s.pk: s.name for s in specimens}
    whole_series, continues, notes = False, {}, []
    held = held_elsewhere(version, volumes)
    if held and origin != ORIGIN_NEW_IMPORT:
        raise ConflictError(partial_series_message(version, held, names), code="partial_series")
    if origin == ORIGIN_NEW_IMPORT:
        series = _volumes(specimens, None, version, strict=False)
        plans, between = continuation_points(version, volumes, held, series)
        if None in plans.values():  # a time point or a hole between held ones: all, together
            volumes, whole_series = _volumes(specimens, None, version), True
            notes = [holes_note(names[k], v, widened=True) for k, v in between.items()]
        else:  # the new ones and the holes after the last held one (or the first planned)
            continues = {k: plan.last for k, plan in plans.items()}
            holes = {k: plan.holes for k, plan in plans.items() if plan.holes}
            unheld = plan_unheld_holes(version, volumes, series)
            notes = [holes_note(names[k], v, widened=False) for k, v in holes.items()]
            notes += [
                holes_note(names[k], v, widened=False, unheld=True) for k, v in unheld.items()
            ]
            wanted = {(v["specimen_id"], v["time_index"]) for v in volumes}
            wanted |= {(k, t) for k, times in (holes | unheld).items() for t in times}
            volumes = [v for v in series if (v["specimen_id"], v["time_index"]) in wanted]
            if continues:
                specimen_id, last = next(iter(continues.items()))
                options = continued_run(version, specimen_id, last).options
    config: dict[str, Any] = {
        "model": {"id": version.pk, "name": version.name, "arch": version.arch},
        "input_size": int((version.config or {}).get("input_size") or 448),
        "specimens": [
            {"id": s.pk, "name": s.name}
            for s in specimens
            if any(v["specimen_id"] == s.pk for v in volumes)
        ],
        "tag": tag or "",
        "time_points": times,
        "origin": origin,
        "whole_series": whole_series,
        # Per specimen (id as text): the last held time point whose tracks this run continues.
        "continues": {str(k): v for k, v in continues.items()},
        "volumes": plan_rows(volumes, names),
        "options": options.to_dict(),
    }
    return job_launch(
        "prediction",
        Prediction,
        user=user,
        queue=queue,
        project=project,
        model_version=version,
        config=config,
        sections=sum(v["size_z"] for v in volumes),
        message=f"{counted(len(volumes), 'volume')} of {counted(len(config['specimens']), 'specimen')}",
        log=[log_entry(line) for line in notes],
        **options.to_dict(),
    )


def prediction_cancel(*, prediction: Prediction, user, reason: str | None = None) -> Prediction:
    """A queued prediction ends now; a running one at its next batch of sections, leaving no
    results behind."""
    return job_cancel("prediction", job=prediction, user=user, reason=reason)
