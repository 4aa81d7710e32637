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
(``continuation_points``, ``series_seed``). Anything else (a time point between held ones, or
one that holds a result already) widens the run to every time point of that specimen.

Two runs never track a specimen at the same time (``turn.py``): a run continuing a series seeds
from the results current when its turn comes, after the runs before it ended, and is planned
again then as the launch planned it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inference.ml.tracking import held_time_point
from inference.models import ModelVersion, Prediction, PredictionResult
from inference.services.prediction.export import read_labels

__all__ = [
    "SeriesSeed",
    "continuation_points",
    "held_elsewhere",
    "partial_series_message",
    "series_seed",
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


def continuation_points(
    version: ModelVersion, volumes: list[dict[str, Any]], held: dict[int, list[int]]
) -> dict[int, int] | None:
    """Per specimen of ``held`` (``held_elsewhere``): the last time point holding a current
    result of ``version``, when every planned time point of that specimen comes after every
    time point holding one; None when some specimen's plan does not (a time point between held
    ones, or re-predicted)."""
    current = PredictionResult.objects.filter(
        model_version=version, is_current=True, specimen_id__in=held
    ).values_list("specimen_id", "time_index")
    last: dict[int, int] = {}
    for specimen_id, time_index in current:
        last[specimen_id] = max(time_index, last.get(specimen_id, time_index))
    for v in volumes:
        if v["specimen_id"] in last and v["time_index"] <= last[v["specimen_id"]]:
            return None
    return last


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
