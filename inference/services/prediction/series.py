"""A time-lapse's track ids are one set per model and specimen: a nucleus's id is only the same
nucleus over time points tracked together (``inference/ml/tracking.py``). Re-predicting some
time points of a specimen whose other time points hold current results of the same model would
leave the viewer and the series showing ids of two runs side by side, the same id on two
nuclei. So such a launch is refused (409 ``partial_series``) with what to do instead: predict
the whole series again.

"Predict new imports" has nobody to answer a refusal. New time points that all come after the
last one holding a current result of the model **continue** its tracks: only they are
predicted, linked to the held time points before them (their label images are their track ids),
new nuclei numbered above the series' highest id, daughters keeping their parents
(``continuation_points``, ``continuation``, ``series_seed``). Anything else (a time point between
held ones, or one that holds a result already) widens the run to every time point of that
specimen.

A continuation that failed or was cancelled leaves its time point without a result: a **hole**
(``series_holes``), a time point after the first held one and before the last planned one with
a label-free volume the model segments, no current result, and in no queued or running
prediction's plan. A hole after the last held time point is predicted with the new time points
(tracked in order from the last held one, the ids stay one run's); a hole between held time
points widens the run to the whole series, as a new time point there does. A specimen whose
first run failed or was cancelled holds no result at all: its holes are the time points without
one from the first time point a run of the model planned (``series_start``, ``unheld_holes``),
predicted with the new time points as a series tracked afresh, so the series does not start at
the new time point and leave its beginning out for good (a specimen no run of the model planned
before starts the model's series at its new time points). The job log says which time points
were added or why the run widened (``holes_note``).

Two runs never track a specimen at the same time (``turn.py``): a run continuing a series seeds
from the results current when its turn comes, after the runs before it ended, and is planned
again then by the same rule, holes included (a run that failed meanwhile left one).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cellweb.jobs import FINAL_STATUSES
from inference.ml.tracking import held_time_point
from inference.models import ModelVersion, Prediction, PredictionResult
from inference.services.prediction.export import read_labels

__all__ = [
    "Continuation",
    "SeriesSeed",
    "continuation",
    "continuation_points",
    "held_elsewhere",
    "holes_note",
    "partial_series_message",
    "pending_time_points",
    "plan_unheld_holes",
    "series_holes",
    "series_seed",
    "series_start",
    "unheld_holes",
]


def held_elsewhere(version: ModelVersion, volumes: list[dict[str, Any]]) -> dict[int, list[int]]:
    """Per specimen of the plan ``volumes``: the time points outside the plan that hold a
    current result of ``version`` (empty where the plan covers all of them)."""
    planned = {(v["specimen_id"], v["time_index"]) for v in volumes}
    rows = PredictionResult.objects.filter(
        model_version=version,
        is_current=True,
        specimen_id__in={v["specimen_id"] for v in volumes},
    ).values_list("specimen_id", "time_index")
    held: dict[int, list[int]] = defaultdict(list)
    for specimen_id, time_index in sorted(set(rows)):
        if (specimen_id, time_index) not in planned:
            held[specimen_id].append(time_index)
    return dict(held)


def _times(times: list[int]) -> str:
    shown = ", ".join(str(t) for t in times[:8])
    return shown + (f" and {len(times) - 8} more" if len(times) > 8 else "")


def partial_series_message(version: ModelVersion, held: dict[int, list[int]], names) -> str:
    specimen_id, times = next(iter(held.items()))
    return (
        f"Specimen “{names[specimen_id]}” holds current results of model “{version.name}” at "
        f"time points {_times(times)}, tracked in another run: predicting only some of its time "
        "points would mix the track ids of two runs. Predict the whole series again (choose no "
        "time points), or those time points too."
    )


def pending_time_points(
    model_version_id: int, specimen_ids, exclude: int | None = None
) -> dict[int, set[int]]:
    """Per specimen: the time points in the plan of a queued or running prediction of the model
    (other than ``exclude``); they are about to get a result, so they are no hole."""
    wanted = {int(i) for i in specimen_ids}
    pending: dict[int, set[int]] = defaultdict(set)
    plans = (
        Prediction.objects.filter(model_version_id=model_version_id)
        .exclude(status__in=FINAL_STATUSES)
        .exclude(pk=exclude)
        .values_list("config", flat=True)
    )
    for config in plans:
        for v in (config or {}).get("volumes") or []:
            if int(v["specimen"]) in wanted:
                pending[int(v["specimen"])].add(int(v["time_index"]))
    return dict(pending)


def series_holes(
    planned: set[int],
    current: set[int],
    series: set[int],
    pending: set[int],
    *,
    since: int | None = None,
) -> list[int]:
    """The **holes** of a specimen's series: time points of ``series`` (those with a label-free
    volume the model segments) after the first one holding a current result (``current``; where
    none holds one, from ``since`` on: ``series_start``) and before the last planned one, that
    hold none, are not ``planned`` and no queued or running prediction plans (``pending``): say,
    a run that failed or was cancelled left them."""
    if not planned or not (current or since is not None):
        return []
    first, end = min(current) if current else since - 1, max(planned)
    taken = current | planned | pending
    return sorted(t for t in series if first < t < end and t not in taken)


@dataclass(frozen=True)
class Continuation:
    """How a plan continues a specimen's tracks: from the ``last`` time point holding a current
    result, predicting its ``holes`` with the new time points."""

    last: int
    holes: list[int]


def continuation(
    planned: set[int], current: set[int], series: set[int], pending: set[int]
) -> Continuation | None:
    """The continuation of a specimen's planned time points, or None when there is none (a
    planned time point at or before the last held one, or a hole between held ones): the run
    widens to the whole series."""
    last = max(current)
    holes = series_holes(planned, current, series, pending)
    if min(planned) <= last or any(t < last for t in holes):
        return None
    return Continuation(last=last, holes=holes)


def series_start(model_version_id: int, specimen_id: int) -> int | None:
    """The first time point of the specimen that a prediction of the model planned, whatever
    became of it (None: none did): where the model's series of the specimen starts."""
    plans = Prediction.objects.filter(
        model_version_id=model_version_id, config__volumes__contains=[{"specimen": specimen_id}]
    ).values_list("config", flat=True)
    times = [
        int(v["time_index"])
        for config in plans
        for v in (config or {}).get("volumes") or []
        if int(v["specimen"]) == specimen_id
    ]
    return min(times, default=None)


def unheld_holes(
    model_version_id: int, specimen_id: int, planned: set[int], series: set[int]
) -> list[int]:
    """The holes of a specimen holding no current result of the model, its first run having
    failed or been cancelled: from the first time point a run planned (``series_start``) on. A
    specimen no run planned before starts the model's series at its ``planned`` time points."""
    pending = pending_time_points(model_version_id, [specimen_id]).get(specimen_id, set())
    since = series_start(model_version_id, specimen_id)
    return series_holes(planned, set(), series, pending, since=since)


def plan_unheld_holes(
    version: ModelVersion, volumes: list[dict[str, Any]], series: list[dict[str, Any]]
) -> dict[int, list[int]]:
    """Per specimen of the plan ``volumes`` holding no current result of ``version``: its
    ``unheld_holes`` (``series``: every time point of those specimens the model segments), where
    it has any."""
    planned: dict[int, set[int]] = defaultdict(set)
    for v in volumes:
        planned[v["specimen_id"]].add(v["time_index"])
    held = set(
        PredictionResult.objects.filter(
            model_version=version, is_current=True, specimen_id__in=planned
        ).values_list("specimen_id", flat=True)
    )
    holes = {}
    for specimen_id in set(planned) - held:
        times = {v["time_index"] for v in series if v["specimen_id"] == specimen_id}
        if found := unheld_holes(version.pk, specimen_id, planned[specimen_id], times):
            holes[specimen_id] = found
    return holes


def holes_note(name: str, holes: list[int], *, widened: bool, unheld: bool = False) -> str:
    """The job log's line on the holes of specimen ``name`` a plan took in (``unheld``: no time
    point of it holds a current result)."""
    left = "left without a current result of this model"
    if unheld:
        return (
            f"Added time points {_times(holes)} of {name}, {left}: none of its time points "
            "holds one, so its series is tracked afresh from the first one a run planned."
        )
    if widened:
        return (
            f"Widened to every time point of {name}: time points {_times(holes)}, {left}, lie "
            "between time points holding one."
        )
    return (
        f"Added time points {_times(holes)} of {name}, {left}: they come after the last time "
        "point holding one, so they are tracked with the new time points."
    )


def continuation_points(
    version: ModelVersion,
    volumes: list[dict[str, Any]],
    held: dict[int, list[int]],
    series: list[dict[str, Any]],
) -> tuple[dict[int, Continuation | None], dict[int, list[int]]]:
    """Per specimen of ``held`` (``held_elsewhere``): the ``continuation`` of its planned
    ``volumes`` (``series``: every time point of those specimens the model segments), None where
    it has none; and per specimen, its holes between held time points (they widen the run)."""
    current: dict[int, set[int]] = defaultdict(set)
    rows = PredictionResult.objects.filter(
        model_version=version, is_current=True, specimen_id__in=held
    ).values_list("specimen_id", "time_index")
    for specimen_id, time_index in rows:
        current[specimen_id].add(time_index)
    planned: dict[int, set[int]] = defaultdict(set)
    for v in volumes:
        planned[v["specimen_id"]].add(v["time_index"])
    times: dict[int, set[int]] = defaultdict(set)
    for v in series:
        times[v["specimen_id"]].add(v["time_index"])
    pending = pending_time_points(version.pk, held)
    plans, between = {}, {}
    for specimen_id in held:
        found = (planned[specimen_id], current[specimen_id], times[specimen_id])
        found += (pending.get(specimen_id, set()),)
        plans[specimen_id] = continuation(*found)
        last = max(current[specimen_id])
        if inside := [t for t in series_holes(*found) if t < last]:
            between[specimen_id] = inside
    return plans, between


def continued_run(version: ModelVersion, specimen_id: int, time_index: int) -> Prediction:
    """The run whose current result holds ``time_index`` of the specimen: a continuation takes
    its options, so the whole series is segmented and bridged alike."""
    held = _current(version.pk, specimen_id).filter(time_index=time_index)
    return held.select_related("prediction").latest("pk").prediction


def _current(model_version_id: int, specimen_id: int):
    return PredictionResult.objects.filter(
        model_version_id=model_version_id, is_current=True, specimen_id=specimen_id
    )


@dataclass
class SeriesSeed:
    """What a run needs to continue a specimen's tracks: the (labels, track ids) of the last
    held time points, oldest first; the first unused id; each daughter's parent; the results."""

    history: list[tuple[np.ndarray, dict[int, int]]] = field(default_factory=list)
    next_id: int = 1
    lineage: dict[int, int] = field(default_factory=dict)
    result_ids: list[int] = field(default_factory=list)


def series_seed(*, model_version_id: int, specimen_id: int, before: int, depth: int) -> SeriesSeed:
    """The current results of the model on the specimen before time point ``before``: the label
    images of the last ``depth`` of them (those a tracker bridging ``depth - 1`` missed time
    points looks back on) and the ids and parents of all."""
    held = _current(model_version_id, specimen_id).filter(time_index__lt=before)
    results = list(held.select_related("volume").order_by("time_index", "pk"))
    seed = SeriesSeed(result_ids=[r.pk for r in results])
    for r in results:
        for nucleus in r.nuclei:
            seed.next_id = max(seed.next_id, int(nucleus["id"]) + 1)
            if nucleus.get("parent") is not None:
                seed.lineage[int(nucleus["id"])] = int(nucleus["parent"])
    for r in results[-depth:] if depth > 0 else []:
        with r.labels.open("rb") as fh:  # a single section's TIFF reads as (y, x)
            labels = read_labels(fh).reshape(r.volume.shape)
        seed.history.append(held_time_point(labels))
    return seed
