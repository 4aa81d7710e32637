"""TIFF and OME-TIFF stacks: damage checks, page-wise reading and voxel size metadata."""

from __future__ import annotations

import logging
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import tifffile

from ..colour import samples_are_planes
from ..errors import ImageReadError, ImagingError
from .layout import (
    axes_for_plain_array,
    handles_from_layout,
    with_channel_axis,
    with_guessed_axes_said,
)
from .request import ReadRequest, VoxelSize, check_dtype
from .tcf_dyes import usable_dyes
from .tiff_channels import check_channel_order, recorded_channel_names
from .tiff_series import other_series_note, single_page_series_count
from .volume import VolumeHandle

UM_PER_UNIT = {
    "um": 1.0,
    "µm": 1.0,
    "\u03bcm": 1.0,
    "micron": 1.0,
    "microns": 1.0,
    "micrometer": 1.0,
    "micrometre": 1.0,
    "nm": 1e-3,
    "nanometer": 1e-3,
    "mm": 1e3,
    "cm": 1e4,
    "m": 1e6,
}


class _LogCollector(logging.Handler):
    """Collects tifffile's warnings, which are its only signal for damaged files."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def open_tiff(request: ReadRequest) -> list[VolumeHandle]:
    collector = _LogCollector()
    tiff_logger = logging.getLogger("tifffile")
    tiff_logger.addHandler(collector)
    try:
        with tifffile.TiffFile(request.path) as tif:
            if not tif.series:
                raise ImageReadError(f"{request.name} is a TIFF file without any image.")
            series = tif.series[0]
            shape, axes, dtype = tuple(series.shape), series.axes, np.dtype(series.dtype)
            page_axes = series.keyframe.axes
            n_pages = len(series.pages)
            stacked = single_page_series_count(tif)
            left_out = other_series_note(tif, request.name)
            if stacked > 1:
                shape, axes, n_pages = (stacked, *shape), "Q" + axes, stacked
            truncated = _tiff_is_truncated(request.path, tif.series[-1])
            truncated = truncated or _imagej_is_short(tif, shape)
            metadata_vs = _tiff_voxel_size(tif)
            recorded = recorded_channel_names(tif)
    except ImagingError:
        raise
    except Exception as exc:
        raise ImageReadError(
            f"{request.name} is not a readable TIFF file; it seems corrupt or incomplete ({exc})."
        ) from exc
    finally:
        tiff_logger.removeHandler(collector)
    damaged = [m for m in collector.messages if _TIFF_DAMAGE.search(m)]
    if truncated or damaged:
        raise ImageReadError(
            f"{request.name} is incomplete or damaged: some image planes are missing or cut off. "
            "It was probably truncated during upload or copying; please upload the complete file."
        )
    check_dtype(dtype, request)
    axes = _planes_not_colour(axes)
    axes = with_channel_axis(shape, axes, request)
    check_channel_order(request, recorded, shape, axes)
    named = axes
    axes = _unnamed_axes(shape, axes, request)
    reader = _TiffReader(request.path, shape, axes, page_axes, n_pages, whole_file=stacked > 1)
    handles = handles_from_layout(shape, axes, dtype, request, metadata_vs, reader.read)
    if axes != named:
        handles = with_guessed_axes_said(handles, shape, axes, request)
    if left_out:
        handles = [replace(h, note=" ".join(filter(None, [h.note, left_out]))) for h in handles]
    return _named_stains(handles, recorded)


def _named_stains(handles: list[VolumeHandle], recorded: tuple[str, ...]) -> list[VolumeHandle]:
    """A fluorescence TIFF's channels (CH0, CH1, ...) under the names the file gives them
    (“Hoechst”, “GFP”), as a TCF's dyes: stored so, and picked by them (``channel``)."""
    channels = {h.channel for h in handles if h.kind == "fluorescence"}
    if len(channels) < 2 or len(recorded) != len(channels):
        return handles
    dyes = usable_dyes({f"CH{c}": name for c, name in enumerate(recorded)})
    return [
        replace(h, dye=dyes.get(h.channel, "")) if h.kind == "fluorescence" else h for h in handles
    ]


def _planes_not_colour(axes: str) -> str:
    """A page of 3 or 4 separate planes (axes SYX) read as planes, not colour, by the rule of
    ``imaging/colour.py`` the mask import shares."""
    if samples_are_planes(axes):
        return "ZYX"
    return axes


def _unnamed_axes(shape: tuple[int, ...], axes: str, request: ReadRequest) -> str:
    """A 4D array saved without saying its axes (``tifffile.imwrite(path, array)`` names both
    leading ones Q) is read as the same array saved as .npy: (t, z, y, x)."""
    if len(axes) == 4 and axes.upper().startswith("QQ") and axes.upper().endswith("YX"):
        return axes_for_plain_array(shape, request)
    return axes


_TIFF_DAMAGE = re.compile(r"corrupt|invalid page offset|truncat|invalid tag|out of range", re.I)


def _imagej_is_short(tif: tifffile.TiffFile, shape: tuple[int, ...]) -> bool:
    meta = tif.imagej_metadata if tif.is_imagej else None
    if not meta or "images" not in meta:
        return False
    planes = math.prod(shape[:-3] if shape and shape[-1] in (3, 4) else shape[:-2])
    return int(meta["images"]) > planes


def _tiff_is_truncated(path: Path, series: Any) -> bool:
    # Only the last plane is checked so that opening stays cheap for long stacks.
    try:
        last = series.pages[-1]
        ends = [o + c for o, c in zip(last.dataoffsets, last.databytecounts) if o]
    except (AttributeError, IndexError, TypeError):
        return False
    return bool(ends) and max(ends) > path.stat().st_size


class _TiffReader:
    """Reads only the TIFF pages that make up one requested volume."""

    def __init__(
        self,
        path: Path,
        shape: tuple[int, ...],
        axes: str,
        page_axes: str,
        n_pages: int,
        *,
        whole_file: bool = False,
    ) -> None:
        self.path, self.shape, self.axes = path, shape, axes
        self.series = None if whole_file else 0
        self.page_axes = page_axes
        n_lead = len(axes) - len(page_axes)
        self.lead_shape = shape[:n_lead]
        self.paged = axes.endswith(page_axes) and math.prod(self.lead_shape) == n_pages

    def read(self, index: tuple[Any, ...]) -> np.ndarray:
        with tifffile.TiffFile(self.path) as tif:
            if not self.paged:
                return self._read_unpaged(tif, index)
            n_lead = len(self.lead_shape)
            lead_index, page_index = index[:n_lead], index[n_lead:]
            grids = [
                np.arange(n)[i] if isinstance(i, slice) else np.array([i])
                for n, i in zip(self.lead_shape, lead_index)
            ]
            mesh = np.meshgrid(*grids, indexing="ij") if grids else []
            keys = (
                np.ravel_multi_index([m.ravel() for m in mesh], self.lead_shape).tolist()
                if grids
                else [0]
            )
            pages = np.asarray(tif.asarray(key=keys, series=self.series))
            pages = pages.reshape(len(keys), *pages.shape[-len(self.page_axes) :])
            kept = [len(g) for g, i in zip(grids, lead_index) if isinstance(i, slice)]
            return pages.reshape(*kept, *pages.shape[1:])[(..., *page_index)]

    def _read_unpaged(self, tif: tifffile.TiffFile, index: tuple[Any, ...]) -> np.ndarray:
        """A series without a page per plane (ImageJ's hyperstacks over 4 GB keep one): its
        volume mapped from the file where the data is contiguous and uncompressed, so one
        volume is read, not the whole file; else the series read whole."""
        series = tif.series[0]
        offset = series.dataoffset
        if offset is None or tuple(series.shape) != self.shape:
            return np.asarray(series.asarray())[index]
        dtype = np.dtype(series.dtype).newbyteorder(tif.byteorder)
        mapped = np.memmap(self.path, dtype=dtype, mode="r", offset=offset, shape=self.shape)
        return np.array(mapped[index])


def _tiff_voxel_size(tif: tifffile.TiffFile) -> VoxelSize | None:
    if tif.is_ome and tif.ome_metadata:
        found = _ome_voxel_size(tif.ome_metadata)
        if found:
            return found
    if tif.is_imagej and tif.imagej_metadata:
        return _imagej_voxel_size(tif)
    return _baseline_voxel_size(tif)


def ome_pixels(xml: str) -> ET.Element | None:
    """The first Pixels element of an OME-XML description, or None."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return None
    return next((el for el in root.iter() if el.tag.endswith("}Pixels")), None)


def _ome_voxel_size(xml: str) -> VoxelSize | None:
    pixels = ome_pixels(xml)
    if pixels is None:
        return None
    values = []
    for axis in "ZYX":
        raw = pixels.get(f"PhysicalSize{axis}")
        factor = UM_PER_UNIT.get(pixels.get(f"PhysicalSize{axis}Unit", "µm").lower())
        if raw is None or factor is None:
            values.append(None)
        else:
            values.append(float(raw) * factor)
    return complete_voxel_size(values)


def _imagej_voxel_size(tif: tifffile.TiffFile) -> VoxelSize | None:
    meta = tif.imagej_metadata or {}
    unit = str(meta.get("unit", "")).replace("\\u00B5", "µ").lower()
    factor = UM_PER_UNIT.get(unit)
    if factor is None:
        return None
    tags = tif.pages[0].tags
    values: list[float | None] = [None, None, None]
    spacing = meta.get("spacing")
    if spacing is not None:
        values[0] = float(spacing) * factor
    values[1:] = _pixel_size_yx(tags, factor)
    return complete_voxel_size(values)


# The baseline ResolutionUnit tag's value for centimetres (2 is inches, 1 no unit).
_RESOLUTION_CM = 3


def _baseline_voxel_size(tif: tifffile.TiffFile) -> VoxelSize | None:
    """The pixel size in the baseline resolution tags of a TIFF without ImageJ or OME metadata,
    when they are in centimetres (as microscope software writes them); pixels per inch are a
    screen's or a scanner's default (72 dpi), not a pixel size."""
    tags = tif.pages[0].tags
    unit = tags.get("ResolutionUnit")
    if unit is None or int(unit.value) != _RESOLUTION_CM:
        return None
    return complete_voxel_size([None, *_pixel_size_yx(tags, UM_PER_UNIT["cm"])])


def _pixel_size_yx(tags: Any, um_per_unit: float) -> list[float | None]:
    """(y, x) pixel size in µm from the Y/XResolution tags (pixels per unit), to 9 significant
    digits: a rational's float noise (0.6499999999999999 for 0.65) is not a pixel size."""
    values: list[float | None] = []
    for tag in ("YResolution", "XResolution"):
        num, den = tags[tag].value if tag in tags else (0, 1)
        values.append(float(f"{den / num * um_per_unit:.9g}") if num else None)
    return values


def complete_voxel_size(values: Sequence[float | None]) -> VoxelSize | None:
    z, y, x = values
    if not (y and x and y > 0 and x > 0):
        return None
    # A single plane has no z spacing; square pixels keep area-based measures meaningful.
    return (z if z and z > 0 else -1.0, y, x)
