"""The time between the frames of a time-lapse, where the file records it: a TIFF's ImageJ
``finterval`` with its ``tunit`` (seconds when absent, as ImageJ writes it) or OME
``TimeIncrement`` with its ``TimeIncrementUnit`` on Pixels (seconds when absent, the schema's
default); a Tomocube TCF's tomogram times (each volume's ``Time``, else ``/Data/3D``
``TimeInterval``, seconds) when it holds several tomograms. In minutes; None when the file says nothing usable (no value, zero, an unknown unit).
ImageJ's ``fps`` is a playback speed, not the acquisition's, and is not read."""

from __future__ import annotations

import math
from pathlib import Path

import h5py
import tifffile

from .tcf_time import tomogram_interval_s
from .tiff import ome_pixels

MINUTES_PER_UNIT = {
    "ms": 1 / 60_000,
    "msec": 1 / 60_000,
    "millisecond": 1 / 60_000,
    "milliseconds": 1 / 60_000,
    "s": 1 / 60,
    "sec": 1 / 60,
    "second": 1 / 60,
    "seconds": 1 / 60,
    "min": 1.0,
    "minute": 1.0,
    "minutes": 1.0,
    "h": 60.0,
    "hr": 60.0,
    "hour": 60.0,
    "hours": 60.0,
    "d": 1440.0,
    "day": 1440.0,
    "days": 1440.0,
}


def in_minutes(value, unit: str) -> float | None:
    """``value`` of ``unit`` in minutes, or None for no usable value or an unknown unit."""
    factor = MINUTES_PER_UNIT.get(str(unit).strip().lower())
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if factor is None or not math.isfinite(number) or number <= 0:
        return None
    # A unit conversion's float noise (0.1/60*60) is not part of the interval.
    return float(f"{number * factor:.9g}")


def file_frame_interval(path: str | Path, fmt: str) -> float | None:
    """The frame interval in minutes of a file of format ``fmt`` (``detect_format``), or None."""
    if fmt == "tiff":
        return tiff_frame_interval(path)
    if fmt == "tcf":
        return tcf_frame_interval(path)
    return None


def tcf_frame_interval(path: str | Path) -> float | None:
    """A TCF time-lapse's tomogram interval in minutes; None for a single tomogram."""
    try:
        with h5py.File(path, "r") as f:
            group = f.get("Data/3D")
            if not isinstance(group, h5py.Group):
                return None
            return in_minutes(tomogram_interval_s(group), "s")
    except (OSError, KeyError, TypeError, ValueError):
        return None


def tiff_frame_interval(path: str | Path) -> float | None:
    """The frame interval of a TIFF in minutes (OME first, then ImageJ), or None."""
    try:
        with tifffile.TiffFile(path) as tif:
            if tif.is_ome and tif.ome_metadata:
                found = _ome_interval(tif.ome_metadata)
                if found is not None:
                    return found
            if tif.is_imagej and tif.imagej_metadata:
                meta = tif.imagej_metadata
                if "finterval" in meta:
                    return in_minutes(meta["finterval"], meta.get("tunit", "sec"))
    except (OSError, ValueError, KeyError, TypeError, tifffile.TiffFileError):
        return None
    return None


def _ome_interval(xml: str) -> float | None:
    pixels = ome_pixels(xml)
    if pixels is None or pixels.get("TimeIncrement") is None:
        return None
    return in_minutes(pixels.get("TimeIncrement"), pixels.get("TimeIncrementUnit", "s"))
