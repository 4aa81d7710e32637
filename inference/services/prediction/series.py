"""A time-lapse's track ids come from one run: a nucleus's id is only the same nucleus over the
time points that one run tracked together (``inference/ml/tracking.py``). Re-predicting some
time points of a specimen whose other time points hold current results of the same model would
leave the viewer and the series showing ids of two runs side by side, the same id on two
nuclei. So such a launch is refused (409 ``partial_series``) with what to do instead: predict
the whole series again. "Predict new imports" has nobody to answer a refusal: a new time point
of a specimen already predicted widens its run to every time point of that specimen.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from inference.models import ModelVersion, PredictionResult

__all__ = ["held_elsewhere", "partial_series_message"]


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
