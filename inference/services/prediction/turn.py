"""One run at a time on a series: a prediction tracks a specimen's time points only while no
other run of the same model version is tracking that specimen.

Two imports landing close together launch two runs of "predict new imports" that both continue
the series from the same held time points (``series.py``); run side by side they would number
their new nuclei from the same next id and neither would link to the other's time points. So
every run first takes its **turn** on the specimens of its plan (``series_turn``): in one
transaction that locks those specimens' rows it looks for another running prediction of the
same version holding a turn on one of them (``config["series_turn"]``) and, when there is
none, takes the turn on all of them at once (so two runs never wait on each other). A run whose
turn is taken waits, with the job's heartbeat kept alive and its cancel honoured, and asks
again every ``WAIT_S`` seconds.

A turn ends with its run: the transaction that ends a prediction succeeded also makes its
results current, so the next run sees them; a run that fails, is cancelled, or whose worker
died (the sweeper ends it once its heartbeat is stale) leaves the turn to the next one.

Taking its turn, a run plans each specimen again from the results current then, by the
launch's rule (``series.continuation``): a continuation carries on from the last time point
holding a current result if every planned time point still comes after it, taking in the holes
after that time point (a run before it failed or was cancelled); a run whose plan left out time
points that hold current results now (another run ended in between, whichever launched first),
or a hole between them, widens to every time point of the specimen, tracked together, so the
series keeps one set of track ids. A "predict new imports" run on a specimen holding no current
result (its first run failed or was cancelled meanwhile) takes in the time points that run left
without one (``series.unheld_holes``), as it would have at launch.
"""

from __future__ import annotations

import time
from itertools import groupby
from typing import Any

from django.db import transaction

from annotations.models import Specimen
from cellweb.jobs import JobContext, JobStatus
from inference.models import ModelVersion, Prediction, PredictionResult
from inference.services.prediction.launch import ORIGIN_NEW_IMPORT, series_volumes
from inference.services.prediction.series import (
    continuation,
    holes_note,
    pending_time_points,
    series_holes,
    unheld_holes,
)

__all__ = ["TURN", "WAIT_S", "series_turn"]

TURN = "series_turn"
# How often a run waiting for its turn asks again.
WAIT_S = 1.0


def _specimens(plan: list[dict[str, Any]]) -> list[int]:
    return sorted({int(v["specimen"]) for v in plan})


def _holder(prediction: Prediction, specimen_ids: list[int]) -> int | None:
    """Another running prediction of the same version holding a turn on one of the specimens."""
    running = (
        Prediction.objects.filter(
            model_version_id=prediction.model_version_id, status=JobStatus.RUNNING
        )
        .exclude(pk=prediction.pk)
        .order_by("pk")
        .values_list("pk", "config")
    )
    wanted = set(specimen_ids)
    for pk, config in running:
        config = config or {}
        if config.get(TURN) and wanted & set(_specimens(config.get("volumes") or [])):
            return pk
    return None


def _replan(prediction: Prediction, version: ModelVersion) -> tuple[list, dict, bool, list[str]]:
    """The plan, the continuations, whether a specimen widened to its whole series and the job
    log's lines on what changed, from the results current now, by the launch's rule
    (``series.continuation``)."""
    continues = dict(prediction.config.get("continues") or {})
    new_import = prediction.config.get("origin") == ORIGIN_NEW_IMPORT
    plan, widened, notes = [], False, []
    for specimen_id, group in groupby(prediction.config.get("volumes") or [], key=_specimen):
        items = list(group)
        planned = {v["time_index"] for v in items}
        current = set(
            PredictionResult.objects.filter(
                model_version_id=version.pk, is_current=True, specimen_id=specimen_id
            ).values_list("time_index", flat=True)
        )
        key = str(specimen_id)
        specimen = Specimen.objects.filter(pk=specimen_id).first()
        if specimen is None or not current - planned:  # none: deleted, with its volumes
            continues.pop(key, None)
            if specimen is not None and not current and new_import:
                items, note = _unheld(version, specimen, items)
                notes += note
            plan += items
            continue
        series = series_volumes(specimen, version, strict=False)
        times = {v["time_index"] for v in series}
        pending = pending_time_points(version.pk, [specimen_id], exclude=prediction.pk)
        found = (planned, current, times, pending.get(specimen_id, set()))
        carry_on = continuation(*found) if key in continues else None
        if carry_on is not None:
            continues[key] = carry_on.last
            if carry_on.holes:
                items = _with(items, series, carry_on.holes)
                notes.append(holes_note(specimen.name, carry_on.holes, widened=False))
        else:
            items, widened = series_volumes(specimen, version), True
            between = [t for t in series_holes(*found) if t < max(current)]
            notes.append(
                holes_note(specimen.name, between, widened=True)
                if between and key in continues
                else f"Widened to every time point of {specimen.name}: time points outside the "
                "plan hold current results of another run that ended since the launch."
            )
            continues.pop(key, None)
        plan += items
    return plan, continues, widened, notes


def _unheld(
    version: ModelVersion, specimen: Specimen, items: list[dict]
) -> tuple[list[dict], list[str]]:
    """The plan of a specimen holding no current result, with the earlier time points left
    without one (``series.unheld_holes``), and the job log's line on them."""
    series = series_volumes(specimen, version, strict=False)
    planned = {v["time_index"] for v in items}
    holes = unheld_holes(version.pk, specimen.pk, planned, {v["time_index"] for v in series})
    if not holes:
        return items, []
    return _with(items, series, holes), [
        holes_note(specimen.name, holes, widened=False, unheld=True)
    ]


def _with(items: list[dict], series: list[dict], holes: list[int]) -> list[dict]:
    """The plan ``items`` of a specimen with its ``holes`` (rows of ``series``), in time order."""
    added = [v for v in series if v["time_index"] in holes]
    return sorted(items + added, key=lambda v: v["time_index"])


def _specimen(v: dict[str, Any]) -> int:
    return int(v["specimen"])


def _take(prediction: Prediction, version: ModelVersion, ctx: JobContext) -> int | None:
    """Take the turn and plan again (None), or the id of the run holding it."""
    with transaction.atomic():
        ids = _specimens(prediction.config.get("volumes") or [])
        list(Specimen.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
        holder = _holder(prediction, ids)
        if holder is not None:
            return holder
        plan, continues, widened, notes = _replan(prediction, version)
        config = {**prediction.config, TURN: True, "volumes": plan, "continues": continues}
        fields = ["config"]
        if widened:
            config["whole_series"] = True
        if notes:
            prediction.sections = sum(v["size_z"] for v in plan)
            for note in notes:
                prediction.log_append(note)
            fields += ["sections", "log"]
        prediction.config = config
        ctx.save(*fields)
    return None


def series_turn(prediction: Prediction, version: ModelVersion, ctx: JobContext) -> None:
    """Wait for this run's turn on its specimens, then plan again (``prediction.config``)."""
    waiting_for = None
    with ctx.keepalive():
        while (holder := _take(prediction, version, ctx)) is not None:
            if holder != waiting_for:
                waiting_for = holder
                ctx.progress(
                    0.0,
                    message=f"waiting for prediction {holder} of the same series to end",
                    force=True,
                )
            ctx.check()
            time.sleep(WAIT_S)
