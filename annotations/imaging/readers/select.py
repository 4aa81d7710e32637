"""Keeping the time point and fluorescence channel the caller asked for."""

from __future__ import annotations

import math
import re

from ..errors import ImageReadError
from .request import ReadRequest
from .volume import VolumeHandle


def select_time(handles: list[VolumeHandle], request: ReadRequest) -> list[VolumeHandle]:
    if request.time_index is None:
        return handles
    kept = [h for h in handles if h.time_index == request.time_index]
    if not kept:
        available = sorted({h.time_index for h in handles})
        raise ImageReadError(
            f"Time point {request.time_index} is not in {request.name}; it has "
            f"{len(available)} time point(s): {_format_range(available)}."
        )
    return kept


def select_channel(handles: list[VolumeHandle], request: ReadRequest) -> list[VolumeHandle]:
    fl_channels = sorted({h.channel for h in handles if h.kind == "fluorescence"}, key=natural_key)
    if request.channel is None or not fl_channels:
        return handles
    if request.channel not in fl_channels:
        raise ImageReadError(
            f"Fluorescence channel '{request.channel}' is not in {request.name}; available "
            f"channels: {', '.join(fl_channels)}."
        )
    return [h for h in handles if h.kind == "label_free" or h.channel == request.channel]


def _format_range(values: list[int]) -> str:
    if values and values == list(range(values[0], values[-1] + 1)) and len(values) > 2:
        return f"{values[0]}–{values[-1]}"
    return ", ".join(str(v) for v in values)


def natural_key(name: str) -> tuple[str, int]:
    match = re.search(r"(\d+)$", name)
    return (name[: match.start()], int(match.group(1))) if match else (name, -1)


def handle_nbytes(handle: VolumeHandle) -> int:
    return handle._nbytes or math.prod(handle.shape) * 4
