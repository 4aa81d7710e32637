"""Which tomogram time point a Tomocube stain time point belongs to.

A TCF numbers each modality's time points on its own (``/Data/3D/000000``, ``000001``, ... and
``/Data/3DFL/CH0/000000``, ...): a time-lapse whose tomogram is taken every minute and whose
stain every third minute has stain ``000001`` at the time of tomogram ``000003``. The datasets
record when they were taken (attribute ``Time``, seconds; else the groups' ``TimeInterval``), so
the stain is paired by time: each tomogram time point takes the stain time point nearest to it,
if one lies within half the tomogram's shortest interval (any distance for a single tomogram).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import h5py
import numpy as np

from .select import natural_key
from .volume import VolumeHandle


@dataclass(frozen=True)
class StainTimes:
    """Stain dataset name → tomogram time index, and what was left out."""

    time_index: dict[str, int]
    left_out: list[tuple[str, float]] = field(default_factory=list)  # (dataset, seconds)
    moved: bool = False  # some stain time point pairs with a tomogram of another number
    tolerance_s: float = math.inf


def attr_number(attrs: Any, key: str) -> float | None:
    """A finite number attribute (TCF stores scalars as one-element arrays), else None."""
    if key not in attrs:
        return None
    try:
        value = float(np.asarray(attrs[key]).ravel()[0])
    except (TypeError, ValueError, IndexError):
        return None
    return value if math.isfinite(value) else None


def _times(group: Any, names: list[str], interval_attrs: Any) -> list[float] | None:
    each = [attr_number(group[name].attrs, "Time") for name in names]
    if all(t is not None for t in each):
        return [float(t) for t in each]  # type: ignore[arg-type]
    interval = attr_number(interval_attrs, "TimeInterval")
    if interval is None or len(names) > 1 and interval <= 0:
        return None
    return [interval * position for position in range(len(names))]


def tomogram_interval_s(group: Any) -> float | None:
    """Seconds between a TCF group's time points: the median step of their ``Time`` attributes,
    else the group's ``TimeInterval``; None for a single volume or a file that says neither."""
    names = dataset_names(group)
    times = _times(group, names, group.attrs) if len(names) > 1 else None
    steps = np.diff(sorted(times)) if times else np.array([])
    steps = steps[steps > 0]
    return float(np.median(steps)) if steps.size else None


def stain_times(
    ri_group: Any,
    ri_names: list[str],
    ri_indices: list[int],
    fl_group: Any,
    fl_names: list[str],
    fl_interval_attrs: Any,
) -> StainTimes | None:
    """Pair the stain datasets ``fl_names`` of ``fl_group`` with the tomogram time points
    (``ri_names``, numbered ``ri_indices``) by acquisition time; None when the file does not
    say when its volumes were taken (then they pair by number, as before)."""
    ri_t = _times(ri_group, ri_names, ri_group.attrs)
    fl_t = _times(fl_group, fl_names, fl_interval_attrs)
    if ri_t is None or fl_t is None or not fl_names:
        return None
    gaps = np.diff(sorted(ri_t))
    tolerance = float(gaps[gaps > 0].min()) / 2 if (gaps > 0).any() else math.inf
    chosen: dict[str, int] = {}
    for index, t in zip(ri_indices, ri_t, strict=True):
        distance = [abs(f - t) for f in fl_t]
        best = int(np.argmin(distance))
        if distance[best] <= tolerance and fl_names[best] not in chosen:
            chosen[fl_names[best]] = index
    left_out = [(n, t) for n, t in zip(fl_names, fl_t, strict=True) if n not in chosen]
    by_number = {n: int(n) if n.isdigit() else p for p, n in enumerate(fl_names)}
    moved = bool(left_out) or any(by_number[n] != i for n, i in chosen.items())
    return StainTimes(chosen, left_out, moved, tolerance)


def describe(times: StainTimes, channel: str) -> str:
    """What a person should know when the stain did not pair number for number."""
    if not times.moved:
        return ""
    text = (
        f"Fluorescence {channel} time points were paired with the tomograms by acquisition time "
        f"(“Time”): {', '.join(f'{n} → time point {i}' for n, i in times.time_index.items())}"
    )
    if times.left_out:
        within = f" within {times.tolerance_s:g} s" if math.isfinite(times.tolerance_s) else ""
        text += f"; left out, no tomogram{within}: " + ", ".join(
            f"{n} ({t:g} s)" for n, t in times.left_out
        )
    return text + "."


def paired_by_time(
    ri_group: Any, fl_group: Any, fl_interval_attrs: Any, handles: list[VolumeHandle]
) -> list[VolumeHandle]:
    """The stain ``handles`` (one per dataset of ``fl_group``, in order) renumbered to the
    tomogram time point each pairs with, those without one left out; unchanged when they pair
    number for number."""
    ri_names = dataset_names(ri_group) if isinstance(ri_group, h5py.Group) else []
    names = dataset_names(fl_group)
    if not ri_names or len(names) != len(handles):
        return handles
    ri_indices = [int(n) if n.isdigit() else p for p, n in enumerate(ri_names)]
    times = stain_times(ri_group, ri_names, ri_indices, fl_group, names, fl_interval_attrs)
    if times is None or not times.moved:
        return handles
    text = describe(times, handles[0].channel)
    return [
        replace(h, time_index=times.time_index[n], note=" ".join(filter(None, [h.note, text])))
        for n, h in zip(names, handles, strict=True)
        if n in times.time_index
    ]


def dataset_names(group: Any) -> list[str]:
    return sorted((n for n in group if isinstance(group.get(n), h5py.Dataset)), key=natural_key)
