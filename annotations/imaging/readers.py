"""Lazy, validated readers for label-free and fluorescence microscopy images.

``open_image`` inspects a file without reading its pixel data, so uploads of
multi-gigabyte tomograms can be validated quickly; each ``VolumeHandle.load``
then reads exactly one (z, y, x) volume.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import h5py
import hdf5plugin  # noqa: F401  (registers the compression filters used by Tomocube TCF files)
import numpy as np
import tifffile
from PIL import Image

from .errors import ImageReadError, ImagingError
from .ri import RI_INTEGER_SCALE

__all__ = [
    "LABEL_FREE_MODALITIES",
    "MIN_SECTION_SIZE",
    "MODALITIES",
    "ImageSource",
    "VolumeHandle",
    "open_image",
    "sha256_file",
]

MODALITIES = ("ri", "brightfield", "phase", "dic", "fluorescence")
LABEL_FREE_MODALITIES = ("ri", "brightfield", "phase", "dic")
MIN_SECTION_SIZE = 16

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_NPY_MAGIC = b"\x93NUMPY"
_TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
_SUPPORTED = "TCF, HDF5 (.h5/.hdf5), TIFF/OME-TIFF, NumPy .npy or PNG"
_LUMINANCE = np.array([0.2125, 0.7154, 0.0721], dtype=np.float32)
_UM_PER_UNIT = {
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
    "m": 1e6,
}

VoxelSize = tuple[float, float, float]


@dataclass(frozen=True)
class VolumeHandle:
    """One (z, y, x) volume in a file: a time point of one channel. Reads nothing until ``load``."""

    kind: Literal["label_free", "fluorescence"]
    channel: str
    time_index: int
    shape: tuple[int, int, int]
    voxel_size: VoxelSize | None
    units: Literal["ri", "intensity"]
    _read: Callable[[], np.ndarray] = field(repr=False, compare=False)
    _scale: float | None = field(default=None, repr=False, compare=False)
    _rgb: bool = field(default=False, repr=False, compare=False)
    _source_name: str = field(default="", repr=False, compare=False)
    _nbytes: int = field(default=0, repr=False, compare=False)

    @property
    def description(self) -> str:
        what = "label-free" if self.kind == "label_free" else f"fluorescence {self.channel}"
        return f"{what} volume at time point {self.time_index}"

    def load(self) -> np.ndarray:
        """Read this volume as float32 (z, y, x); RI in physical units."""
        try:
            raw = self._read()
        except ImagingError:
            raise
        except MemoryError:
            raise
        except Exception as exc:
            raise ImageReadError(
                f"Could not read the {self.description} of {self._source_name}: the file seems "
                f"corrupt or incomplete ({type(exc).__name__}: {exc})."
            ) from exc
        volume = _to_float_zyx(raw, rgb=self._rgb, scale=self._scale)
        if volume.shape != self.shape:
            raise ImageReadError(
                f"The {self.description} of {self._source_name} has shape {volume.shape}, "
                f"but the file header announced {self.shape}; the file seems corrupt."
            )
        if raw.dtype.kind == "f":
            _check_finite(volume, f"the {self.description} of {self._source_name}")
        return volume


@dataclass(frozen=True)
class ImageSource:
    """What ``open_image`` found in a file."""

    path: Path
    format: str
    volumes: list[VolumeHandle]
    nbytes: int

    @property
    def label_free(self) -> list[VolumeHandle]:
        return [v for v in self.volumes if v.kind == "label_free"]

    @property
    def fluorescence(self) -> list[VolumeHandle]:
        return [v for v in self.volumes if v.kind == "fluorescence"]


@dataclass(frozen=True)
class _Request:
    path: Path
    modality: str
    dataset: str | None
    time_index: int | None
    voxel_size: VoxelSize | None
    voxel_size_2d: tuple[float, float] | None
    channel: str | None

    @property
    def kind(self) -> Literal["label_free", "fluorescence"]:
        return "fluorescence" if self.modality == "fluorescence" else "label_free"

    @property
    def name(self) -> str:
        return f"'{self.path.name}'"


# --------------------------------------------------------------------------- public entry points


def open_image(
    path: str | Path,
    *,
    modality: str,
    dataset: str | None = None,
    time_index: int | None = None,
    voxel_size: Sequence[float] | None = None,
    channel: str | None = None,
) -> ImageSource:
    """Inspect an image file and describe its volumes without reading pixel data.

    ``modality`` is one of ``MODALITIES``. ``dataset`` names the array inside a
    generic HDF5 file (TCF files need none). ``time_index`` keeps one time point.
    ``voxel_size`` (z, y, x) in micrometres overrides the file's metadata; a 2D
    image also accepts (y, x). ``channel`` picks one fluorescence channel of a
    multi-channel file (e.g. "CH0"), or names the channel of a single-channel
    fluorescence file (e.g. "DAPI").

    A TCF opened as "ri" yields its RI time points and every fluorescence
    channel; opened as "fluorescence", only the latter. Integer RI data (TCF
    >= 1.3, TomoStudio TIFF exports) is stored as RI x 10000 and loaded as RI.
    Raises ``ImageReadError`` with a message meant for the user.
    """
    request = _make_request(path, modality, dataset, time_index, voxel_size, channel)
    fmt = _detect_format(request.path)
    if fmt == "hdf5":
        fmt, handles = _open_hdf5(request)
    elif fmt == "tiff":
        handles = _open_tiff(request)
    elif fmt == "npy":
        handles = _open_npy(request)
    else:
        handles = _open_png(request)
    handles = _select_time(handles, request)
    handles = _select_channel(handles, request)
    return ImageSource(
        path=request.path,
        format=fmt,
        volumes=handles,
        nbytes=sum(_handle_nbytes(h) for h in handles),
    )


def sha256_file(path: str | Path, chunk: int = 8 * 1024 * 1024) -> str:
    """Hex SHA-256 of a file, read in chunks so large tomograms need little memory."""
    digest = hashlib.sha256()
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    with open(path, "rb") as fh:
        while n := fh.readinto(buffer):
            digest.update(view[:n])
    return digest.hexdigest()


# --------------------------------------------------------------------------- request validation


def _make_request(
    path: str | Path,
    modality: str,
    dataset: str | None,
    time_index: int | None,
    voxel_size: Sequence[float] | None,
    channel: str | None,
) -> _Request:
    if modality not in MODALITIES:
        raise ImageReadError(
            f"Unknown imaging modality '{modality}'; choose one of {', '.join(MODALITIES)}."
        )
    p = Path(path)
    if not p.is_file():
        raise ImageReadError(f"The file '{p.name}' does not exist or is not a regular file.")
    if time_index is not None and (isinstance(time_index, bool) or time_index < 0):
        raise ImageReadError(f"Time point must be a non-negative integer, not {time_index!r}.")
    vs3, vs2 = _parse_voxel_size(voxel_size)
    return _Request(p, modality, dataset, time_index, vs3, vs2, channel)


def _parse_voxel_size(
    voxel_size: Sequence[float] | None,
) -> tuple[VoxelSize | None, tuple[float, float] | None]:
    if voxel_size is None:
        return None, None
    values = tuple(float(v) for v in voxel_size)
    if len(values) not in (2, 3) or not all(math.isfinite(v) and v > 0 for v in values):
        raise ImageReadError(
            f"Voxel size must be three positive numbers (z, y, x) in micrometres "
            f"(or (y, x) for a 2D image); got {tuple(voxel_size)}."
        )
    if len(values) == 2:
        return None, (values[0], values[1])
    return (values[0], values[1], values[2]), (values[1], values[2])


def _detect_format(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head:
        raise ImageReadError(f"The file '{path.name}' is empty (0 bytes).")
    if head.startswith(_HDF5_MAGIC):
        return "hdf5"
    if head.startswith(_PNG_MAGIC):
        return "png"
    if head.startswith(_NPY_MAGIC):
        return "npy"
    if head[:4] in _TIFF_MAGICS:
        return "tiff"
    if h5py.is_hdf5(str(path)):  # HDF5 with a user block: the signature sits at 512, 1024, ...
        return "hdf5"
    suffix = path.suffix.lower()
    hint = (
        f" Although it is named '{suffix}', its content is not a valid {suffix.lstrip('.')} file;"
        " it may be corrupt, incomplete or renamed from another format."
        if suffix
        else ""
    )
    raise ImageReadError(
        f"'{path.name}' is not a supported image file.{hint} Supported formats: {_SUPPORTED}."
    )


# --------------------------------------------------------------------------- HDF5 and TCF


def _open_h5(request: _Request) -> h5py.File:
    try:
        return h5py.File(request.path, "r")
    except OSError as exc:
        text = str(exc)
        if "truncated" in text:
            raise ImageReadError(
                f"{request.name} is incomplete (truncated): it was probably cut off during upload "
                "or copying. Please upload the complete file."
            ) from exc
        raise ImageReadError(
            f"{request.name} looks like an HDF5/TCF file but cannot be opened; it seems corrupt "
            f"({text})."
        ) from exc


def _open_hdf5(request: _Request) -> tuple[str, list[VolumeHandle]]:
    with _open_h5(request) as f:
        is_tcf = isinstance(f.get("Data/3D"), h5py.Group) or isinstance(
            f.get("Data/3DFL"), h5py.Group
        )
        if request.dataset is not None:
            return ("tcf" if is_tcf else "hdf5"), _hdf5_dataset_handles(f, request)
        if is_tcf:
            return "tcf", _tcf_handles(f, request)
        if request.path.suffix.lower() == ".tcf":
            raise ImageReadError(
                f"{request.name} is named .TCF but has no /Data/3D tomogram; it is not a "
                "Tomocube 3D file or it was exported without the 3D data."
            )
        raise ImageReadError(
            f"{request.name} is a generic HDF5 file: please say which dataset holds the image. "
            f"Available datasets: {_list_datasets(f)}."
        )


def _list_datasets(f: h5py.File) -> str:
    found: list[str] = []

    def visit(name: str, obj: Any) -> None:
        if isinstance(obj, h5py.Dataset) and len(found) < 20:
            found.append(f"/{name} {tuple(obj.shape)} {obj.dtype}")

    f.visititems(visit)
    return "; ".join(found) if found else "none (the file holds no arrays)"


def _hdf5_dataset_handles(f: h5py.File, request: _Request) -> list[VolumeHandle]:
    name = request.dataset or ""
    obj = f.get(name)
    if not isinstance(obj, h5py.Dataset):
        problem = "is a group, not an array" if isinstance(obj, h5py.Group) else "does not exist"
        raise ImageReadError(
            f"Dataset '{name}' {problem} in {request.name}. "
            f"Available datasets: {_list_datasets(f)}."
        )
    shape, dtype = tuple(int(n) for n in obj.shape), obj.dtype
    _check_dtype(dtype, request)
    axes = _axes_for_plain_array(shape, request)
    metadata_vs = _voxel_size_from_attrs(obj.attrs, ("element_size_um", "voxel_size_um"))
    path, ds_name = request.path, obj.name

    def read(index: tuple[Any, ...]) -> np.ndarray:
        with h5py.File(path, "r") as fh:
            return np.asarray(fh[ds_name][index])

    return _handles_from_layout(shape, axes, dtype, request, metadata_vs, read)


def _tcf_handles(f: h5py.File, request: _Request) -> list[VolumeHandle]:
    if request.modality not in ("ri", "fluorescence"):
        raise ImageReadError(
            f"{request.name} is a Tomocube TCF file, which holds 3D refractive-index tomograms: "
            "choose the modality 'ri' (or 'fluorescence' for its fluorescence channels)."
        )
    handles: list[VolumeHandle] = []
    if request.modality == "ri":
        group = f.get("Data/3D")
        if not isinstance(group, h5py.Group):
            raise ImageReadError(f"{request.name} has no refractive-index tomogram (/Data/3D).")
        handles += _tcf_group_handles(group, request, "label_free", "", group.attrs)
    fl = f.get("Data/3DFL")
    if isinstance(fl, h5py.Group):
        for ch_name in sorted(fl, key=_natural_key):
            ch = fl[ch_name]
            if isinstance(ch, h5py.Group):
                attrs = ch.attrs if "ResolutionX" in ch.attrs else fl.attrs
                handles += _tcf_group_handles(ch, request, "fluorescence", ch_name, attrs)
    if request.modality == "fluorescence" and not handles:
        raise ImageReadError(f"{request.name} contains no fluorescence data (/Data/3DFL).")
    return handles


def _tcf_group_handles(
    group: h5py.Group,
    request: _Request,
    kind: Literal["label_free", "fluorescence"],
    channel: str,
    attrs: Any,
) -> list[VolumeHandle]:
    voxel = _voxel_size_from_tcf_attrs(attrs)
    if request.voxel_size is not None:
        voxel = request.voxel_size
    names = sorted((n for n in group if isinstance(group.get(n), h5py.Dataset)), key=_natural_key)
    if not names:
        tiled = any(isinstance(group.get(n), h5py.Group) for n in group)
        detail = " (this TCF uses a tiled layout that is not supported yet)" if tiled else ""
        raise ImageReadError(f"{request.name}: {group.name} holds no volumes{detail}.")
    handles = []
    for position, name in enumerate(names):
        ds = group[name]
        shape = tuple(int(n) for n in ds.shape)
        where = f"{request.name} ({ds.name})"
        if len(shape) != 3:
            raise ImageReadError(
                f"{where} should be a 3D volume (z, y, x) but has {len(shape)} dimensions {shape}."
            )
        _check_shape_usable(shape, where)
        _check_dtype(ds.dtype, request)
        is_ri = kind == "label_free"
        scale = 1.0 / RI_INTEGER_SCALE if is_ri and ds.dtype.kind in "ui" else None
        handles.append(
            VolumeHandle(
                kind=kind,
                channel=channel,
                time_index=int(name) if name.isdigit() else position,
                shape=(shape[0], shape[1], shape[2]),
                voxel_size=voxel,
                units="ri" if is_ri else "intensity",
                _read=_h5_reader(request.path, ds.name),
                _scale=scale,
                _source_name=request.name,
                _nbytes=ds.dtype.itemsize * math.prod(shape),
            )
        )
    return handles


def _h5_reader(path: Path, ds_name: str) -> Callable[[], np.ndarray]:
    def read() -> np.ndarray:
        with h5py.File(path, "r") as fh:
            return np.asarray(fh[ds_name][()])

    return read


def _natural_key(name: str) -> tuple[str, int]:
    match = re.search(r"(\d+)$", name)
    return (name[: match.start()], int(match.group(1))) if match else (name, -1)


def _attr_float(attrs: Any, key: str) -> float | None:
    if key not in attrs:
        return None
    try:
        value = float(np.asarray(attrs[key]).ravel()[0])
    except (TypeError, ValueError, IndexError):
        return None
    return value if math.isfinite(value) and value > 0 else None


def _voxel_size_from_tcf_attrs(attrs: Any) -> VoxelSize | None:
    z, y, x = (_attr_float(attrs, f"Resolution{a}") for a in "ZYX")
    return (z, y, x) if z and y and x else None


def _voxel_size_from_attrs(attrs: Any, keys: Sequence[str]) -> VoxelSize | None:
    for key in keys:
        if key in attrs:
            values = np.asarray(attrs[key], dtype=float).ravel()
            if values.size == 3 and np.all(np.isfinite(values)) and np.all(values > 0):
                return (float(values[0]), float(values[1]), float(values[2]))
    return None


# --------------------------------------------------------------------------- TIFF


class _LogCollector(logging.Handler):
    """Collects tifffile's warnings, which are its only signal for damaged files."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _open_tiff(request: _Request) -> list[VolumeHandle]:
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
            stacked = _single_page_series_count(tif)
            if stacked > 1:
                shape, axes, n_pages = (stacked, *shape), "Q" + axes, stacked
            truncated = _tiff_is_truncated(request.path, tif.series[-1])
            truncated = truncated or _imagej_is_short(tif, shape)
            metadata_vs = _tiff_voxel_size(tif)
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
    _check_dtype(dtype, request)
    reader = _TiffReader(request.path, shape, axes, page_axes, n_pages, whole_file=stacked > 1)
    return _handles_from_layout(shape, axes, dtype, request, metadata_vs, reader.read)


def _single_page_series_count(tif: tifffile.TiffFile) -> int:
    """Number of planes when a stack was saved as one series per plane, else 0."""
    series = tif.series
    if len(series) < 2:
        return 0
    first = series[0]
    same = all(
        len(s.pages) == 1 and s.shape == first.shape and s.dtype == first.dtype for s in series
    )
    return len(series) if same and len(tif.pages) == len(series) else 0


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
                return np.asarray(tif.series[0].asarray())[index]
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


def _tiff_voxel_size(tif: tifffile.TiffFile) -> VoxelSize | None:
    if tif.is_ome and tif.ome_metadata:
        found = _ome_voxel_size(tif.ome_metadata)
        if found:
            return found
    if tif.is_imagej and tif.imagej_metadata:
        return _imagej_voxel_size(tif)
    return None


def _ome_voxel_size(xml: str) -> VoxelSize | None:
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return None
    pixels = next((el for el in root.iter() if el.tag.endswith("}Pixels")), None)
    if pixels is None:
        return None
    values = []
    for axis in "ZYX":
        raw = pixels.get(f"PhysicalSize{axis}")
        factor = _UM_PER_UNIT.get(pixels.get(f"PhysicalSize{axis}Unit", "µm").lower())
        if raw is None or factor is None:
            values.append(None)
        else:
            values.append(float(raw) * factor)
    return _complete_voxel_size(values)


def _imagej_voxel_size(tif: tifffile.TiffFile) -> VoxelSize | None:
    meta = tif.imagej_metadata or {}
    unit = str(meta.get("unit", "")).replace("\\u00B5", "µ").lower()
    factor = _UM_PER_UNIT.get(unit)
    if factor is None:
        return None
    tags = tif.pages[0].tags
    values: list[float | None] = [None, None, None]
    spacing = meta.get("spacing")
    if spacing is not None:
        values[0] = float(spacing) * factor
    for i, tag in ((1, "YResolution"), (2, "XResolution")):
        if tag in tags:
            num, den = tags[tag].value
            values[i] = den / num * factor if num else None
    return _complete_voxel_size(values)


def _complete_voxel_size(values: Sequence[float | None]) -> VoxelSize | None:
    z, y, x = values
    if not (y and x and y > 0 and x > 0):
        return None
    # A single plane has no z spacing; square pixels keep area-based measures meaningful.
    return (z if z and z > 0 else -1.0, y, x)


# --------------------------------------------------------------------------- NPY and PNG


def _open_npy(request: _Request) -> list[VolumeHandle]:
    try:
        array = np.load(request.path, mmap_mode="r", allow_pickle=False)
    except Exception as exc:
        raise ImageReadError(
            f"{request.name} is not a readable NumPy .npy file; it seems corrupt or incomplete "
            f"({exc})."
        ) from exc
    shape, dtype = tuple(int(n) for n in array.shape), array.dtype
    del array
    _check_dtype(dtype, request)
    axes = _axes_for_plain_array(shape, request)
    path = request.path

    def read(index: tuple[Any, ...]) -> np.ndarray:
        return np.array(np.load(path, mmap_mode="r", allow_pickle=False)[index])

    return _handles_from_layout(shape, axes, dtype, request, None, read)


def _open_png(request: _Request) -> list[VolumeHandle]:
    try:
        with Image.open(request.path) as img:
            img.verify()
        with Image.open(request.path) as img:
            size, mode = img.size, img.mode
    except Exception as exc:
        raise ImageReadError(
            f"{request.name} is not a readable PNG image; it seems corrupt or incomplete ({exc})."
        ) from exc
    if request.modality == "ri":
        raise ImageReadError(_ri_needs_3d(request.name))
    rgb = mode not in ("1", "L", "I", "I;16", "I;16B", "F", "LA")
    channels = 3 if rgb else 1
    shape = (size[1], size[0], channels) if rgb else (size[1], size[0])
    path = request.path

    def read(index: tuple[Any, ...]) -> np.ndarray:
        with Image.open(path) as img:
            if img.mode in ("P", "PA", "RGBA", "CMYK", "YCbCr", "HSV"):
                img = img.convert("RGB")
            elif img.mode == "LA":
                img = img.convert("L")
            return np.asarray(img)[index]

    dtype = np.dtype(np.uint16 if mode.startswith("I") else np.uint8)
    return _handles_from_layout(shape, "YXS" if rgb else "YX", dtype, request, None, read)


# --------------------------------------------------------------------------- axis layout


@dataclass(frozen=True)
class _Layout:
    """How (time, channel) pairs map onto indices into the stored array."""

    axes: str
    shape: tuple[int, ...]

    def position(self, letter: str) -> int | None:
        for i, (a, n) in enumerate(zip(self.axes, self.shape)):
            if a == letter and (n > 1 or a in "YXZ"):
                return i
        return None

    def _kept(self, a: str, n: int) -> bool:
        # A two-sample pixel is grey + alpha: only the grey sample is read.
        return a in "YX" or (a == "Z" and n > 1) or (a == "S" and n > 2)

    def size(self, letter: str) -> int:
        pos = self.position(letter)
        return 1 if pos is None else self.shape[pos]

    def index(self, t: int, c: int) -> tuple[Any, ...]:
        out: list[Any] = []
        for a, n in zip(self.axes, self.shape):
            if a == "T":
                out.append(t if n > 1 else 0)
            elif a == "C":
                out.append(c if n > 1 else 0)
            elif self._kept(a, n):
                out.append(slice(None))
            else:
                out.append(0)
        return tuple(out)

    def kept_axes(self) -> str:
        return "".join(a for a, n in zip(self.axes, self.shape) if self._kept(a, n))


def _axes_for_plain_array(shape: tuple[int, ...], request: _Request) -> str:
    ndim = len(shape)
    if ndim == 2:
        return "YX"
    if ndim == 3:
        looks_rgb = shape[-1] in (3, 4) and min(shape[:2]) >= MIN_SECTION_SIZE
        return "YXS" if looks_rgb and request.modality != "ri" else "ZYX"
    if ndim == 4:
        return "TZYX"
    raise ImageReadError(
        f"{request.name} holds a {ndim}-dimensional array {shape}; expected a 2D image (y, x), "
        "a 3D stack (z, y, x) or a time series of stacks (t, z, y, x)."
    )


def _normalise_axes(shape: tuple[int, ...], axes: str, request: _Request) -> _Layout:
    axes = axes.upper()
    if "Y" not in axes or "X" not in axes:
        raise ImageReadError(f"{request.name} has no recognisable image plane (axes {axes}).")
    # Any other stacking axis (tifffile's Q, I, ...) is treated as depth when it is the only one.
    letters = [a if a in "TCYXS" else "Z" for a in axes]
    depth = [i for i, a in enumerate(letters) if a == "Z" and shape[i] > 1]
    if len(depth) > 1 or sum(1 for a in letters if a == "T") > 1:
        raise ImageReadError(
            f"{request.name} has too many dimensions (axes {axes}, shape {shape}); expected "
            "(t, z, y, x) with optional channels."
        )
    for i, a in enumerate(letters):
        if a == "Z" and i not in depth:
            letters[i] = "1"
    return _Layout("".join(letters), shape)


def _handles_from_layout(
    shape: tuple[int, ...],
    axes: str,
    dtype: np.dtype,
    request: _Request,
    metadata_vs: VoxelSize | None,
    read: Callable[[tuple[Any, ...]], np.ndarray],
) -> list[VolumeHandle]:
    if math.prod(shape) == 0:
        raise ImageReadError(f"{request.name} contains no pixels (array shape {shape}).")
    layout = _normalise_axes(shape, axes, request)
    n_samples = layout.size("S")
    if n_samples not in (1, 2, 3, 4):
        raise ImageReadError(
            f"{request.name} has {n_samples} colour samples per pixel; expected grey or RGB."
        )
    rgb = n_samples >= 3
    itemsize = dtype.itemsize * (n_samples if rgb else 1)
    n_z, n_t, n_c = layout.size("Z"), layout.size("T"), layout.size("C")
    out_shape = (n_z, layout.size("Y"), layout.size("X"))
    _check_layout(request, out_shape, rgb, n_c, layout.position("Z") is not None)
    voxel = _resolve_voxel_size(request, metadata_vs, is_2d=layout.position("Z") is None)
    scale = 1.0 / RI_INTEGER_SCALE if request.modality == "ri" and dtype.kind in "ui" else None
    kept = layout.kept_axes()
    handles = []
    for c in range(n_c):
        for t in range(n_t):
            index = layout.index(t, c)
            handles.append(
                VolumeHandle(
                    kind=request.kind,
                    channel=_channel_name(request, c, n_c),
                    time_index=t,
                    shape=out_shape,
                    voxel_size=voxel,
                    units="ri" if request.modality == "ri" else "intensity",
                    _read=_reorder_reader(read, index, kept),
                    _scale=scale,
                    _rgb=rgb,
                    _source_name=request.name,
                    _nbytes=math.prod(out_shape) * itemsize,
                )
            )
    return handles


def _check_layout(
    request: _Request, zyx: tuple[int, int, int], rgb: bool, n_channels: int, has_z: bool
) -> None:
    if request.modality == "ri" and not has_z:
        raise ImageReadError(_ri_needs_3d(request.name))
    if request.modality == "ri" and rgb:
        raise ImageReadError(
            f"{request.name} is a colour (RGB) image; a refractive-index tomogram must be a "
            "single-channel 3D stack."
        )
    if n_channels > 1 and request.kind == "label_free":
        raise ImageReadError(
            f"{request.name} has {n_channels} channels; a label-free image must have exactly one. "
            "Choose the modality 'fluorescence' or export a single channel."
        )
    _check_shape_usable(zyx, request.name)


def _ri_needs_3d(name: str) -> str:
    return (
        f"{name} is a 2D image, but refractive-index (RI) tomograms are 3D stacks (z, y, x). "
        "Upload the 3D tomogram, or choose brightfield, phase or DIC for a 2D image."
    )


def _check_shape_usable(zyx: tuple[int, ...], where: str) -> None:
    if math.prod(zyx) == 0:
        raise ImageReadError(f"{where} contains no pixels (shape {tuple(zyx)}).")
    ny, nx = zyx[-2], zyx[-1]
    if ny < MIN_SECTION_SIZE or nx < MIN_SECTION_SIZE:
        raise ImageReadError(
            f"{where}: sections are only {nx}×{ny} pixels; at least "
            f"{MIN_SECTION_SIZE}×{MIN_SECTION_SIZE} are needed to segment a nucleus."
        )


def _check_dtype(dtype: np.dtype, request: _Request) -> None:
    if dtype.kind == "c":
        raise ImageReadError(
            f"{request.name} holds complex numbers (e.g. a raw optical field); export the "
            "refractive index or intensity as real numbers."
        )
    if dtype.kind not in "uif":
        raise ImageReadError(
            f"{request.name} holds values of type {dtype}, which is not an image; expected "
            "integer or floating-point pixels."
        )
    if request.modality == "ri" and dtype.kind in "ui" and dtype.itemsize == 1:
        raise ImageReadError(
            f"{request.name} is an 8-bit image, which cannot hold refractive-index values. "
            "Export the tomogram as 32-bit float RI, or 16-bit integers of RI × 10000."
        )


def _resolve_voxel_size(
    request: _Request, metadata_vs: VoxelSize | None, *, is_2d: bool
) -> VoxelSize | None:
    if is_2d and request.voxel_size_2d is not None:
        y, x = request.voxel_size_2d
        return (y, y, x)
    if request.voxel_size_2d is not None and request.voxel_size is None:
        raise ImageReadError(
            f"{request.name} is a 3D stack: give the voxel size as three numbers (z, y, x) in "
            "micrometres."
        )
    if request.voxel_size is not None:
        return request.voxel_size
    if metadata_vs is None:
        return None
    z, y, x = metadata_vs
    if z <= 0:
        return (y, y, x) if is_2d else None
    return metadata_vs


def _channel_name(request: _Request, c: int, n_channels: int) -> str:
    if request.kind == "label_free":
        return ""
    if n_channels == 1 and request.channel:
        return request.channel
    return f"CH{c}"


def _reorder_reader(
    read: Callable[[tuple[Any, ...]], np.ndarray], index: tuple[Any, ...], kept: str
) -> Callable[[], np.ndarray]:
    target = "".join(a for a in "ZYXS" if a in kept)
    order = [kept.index(a) for a in target]

    def load() -> np.ndarray:
        data = np.asarray(read(index))
        if data.ndim != len(kept):
            raise ImageReadError(f"Stored array has {data.ndim} dimensions, expected {len(kept)}.")
        return data.transpose(order) if order != sorted(order) else data

    return load


# --------------------------------------------------------------------------- selection


def _select_time(handles: list[VolumeHandle], request: _Request) -> list[VolumeHandle]:
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


def _select_channel(handles: list[VolumeHandle], request: _Request) -> list[VolumeHandle]:
    fl_channels = sorted({h.channel for h in handles if h.kind == "fluorescence"}, key=_natural_key)
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


def _handle_nbytes(handle: VolumeHandle) -> int:
    return handle._nbytes or math.prod(handle.shape) * 4


# --------------------------------------------------------------------------- conversion


def _to_float_zyx(raw: np.ndarray, *, rgb: bool, scale: float | None) -> np.ndarray:
    data = raw
    if rgb:
        data = np.tensordot(data[..., :3].astype(np.float32, copy=False), _LUMINANCE, axes=1)
    volume = np.ascontiguousarray(data, dtype=np.float32)
    if not volume.flags.writeable:
        volume = volume.copy()
    if scale is not None:
        volume *= np.float32(scale)
    if volume.ndim == 2:
        volume = volume[np.newaxis]
    return volume


def _check_finite(volume: np.ndarray, where: str) -> None:
    # min/max propagate NaN and inf without allocating a boolean volume.
    lo, hi = volume.min(), volume.max()
    if math.isfinite(lo) and math.isfinite(hi):
        return
    bad = int(np.count_nonzero(~np.isfinite(volume)))
    raise ImageReadError(
        f"{where[:1].upper()}{where[1:]} contains {bad} invalid value(s) (NaN or infinity), usually left by a failed "
        "reconstruction or export. Re-export the image and upload it again."
    )
