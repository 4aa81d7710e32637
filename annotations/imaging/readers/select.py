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
    kept = [h for h in handles if h.kind == "label_free" or is_channel(h, request.channel)]
    if not any(h.kind == "fluorescence" for h in kept):
        raise ImageReadError(
            f"Fluorescence channel '{request.channel}' is not in {request.name}; available "
            f"channels: {channels_text(handles)}."
        )
    return kept


def is_channel(handle: VolumeHandle, name: str) -> bool:
    """Whether ``name`` is the fluorescence channel of ``handle``: its name in the file ("CH1")
    or the dye the file names for it ("Hoechst", either case)."""
    return handle.channel == name or bool(handle.dye) and handle.dye.casefold() == name.casefold()


def channels_text(handles: list[VolumeHandle]) -> str:
    """The fluorescence channels of ``handles`` for a message: "CH0, CH1 (Hoechst)"."""
    named = {h.channel: h.dye for h in handles if h.kind == "fluorescence"}
    return ", ".join(f"{c} ({named[c]})" if named[c] else c for c in sorted(named, key=natural_key))


def _format_range(values: list[int]) -> str:
    if values and values == list(range(values[0], values[-1] + 1)) and len(values) > 2:
        return f"{values[0]}–{values[-1]}"
    return ", ".join(str(v) for v in values)


def natural_key(name: str) -> tuple[str, int]:
    match = re.search(r"(\d+)$", name)
    return (name[: match.start()], int(match.group(1))) if match else (name, -1)


def handle_nbytes(handle: VolumeHandle) -> int:
    return handle._nbytes or math.prod(handle.shape) * 4
