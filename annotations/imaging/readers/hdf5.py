"""Tomocube TCF files and generic HDF5 files (one named dataset); a TCF stain stack is placed on
the tomogram's grid by ``tcf_grid``."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import h5py
import hdf5plugin  # noqa: F401  (registers the compression filters used by Tomocube TCF files)
import numpy as np

from ..errors import ImageReadError
from .fl_grid import Grid
from .layout import axes_for_plain_array, handles_from_layout, with_guessed_axes_said
from .request import MIN_SECTION_SIZE, ReadRequest, VoxelSize, check_dtype, check_shape_usable
from .select import natural_key
from .tcf_dyes import dye_names
from .tcf_grid import (
    coverage_note,
    fl_on_ri_grid,
    registered_reader,
    tcf_ri_grid,
    tcf_voxel_size,
)
from .tcf_time import dataset_names, paired_by_time
from .volume import VolumeHandle, integer_ri_scale


def _open_h5(request: ReadRequest) -> h5py.File:
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


def open_hdf5(request: ReadRequest) -> tuple[str, list[VolumeHandle]]:
    with _open_h5(request) as f:
        is_tcf = isinstance(f.get("Data/3D"), h5py.Group) or isinstance(
            f.get("Data/3DFL"), h5py.Group
        )
        if request.dataset is not None:
            return ("tcf" if is_tcf else "hdf5"), _hdf5_dataset_handles(f, request)
        if is_tcf:
            return "tcf", _tcf_handles(f, request)
        named = _named_datasets(f, request)
        if named:
            return "hdf5", _hdf5_channel_handles(f, request, named)
        if request.path.suffix.lower() == ".tcf":
            raise ImageReadError(
                f"{request.name} is named .TCF but has no /Data/3D tomogram; it is not a "
                "Tomocube 3D file or it was exported without the 3D data."
            )
        raise ImageReadError(
            f"{request.name} is a generic HDF5 file: please say which dataset holds the image. "
            f"Available datasets: {_list_datasets(f)}.{_channels_hint(f)}"
        )


def _list_datasets(f: h5py.File) -> str:
    found: list[str] = []

    def visit(name: str, obj: Any) -> None:
        if isinstance(obj, h5py.Dataset) and len(found) < 20:
            found.append(f"/{name} {tuple(obj.shape)} {obj.dtype}")

    f.visititems(visit)
    return "; ".join(found) if found else "none (the file holds no arrays)"


def _hdf5_dataset_handles(f: h5py.File, request: ReadRequest) -> list[VolumeHandle]:
    name = request.dataset or ""
    obj = f.get(name)
    if not isinstance(obj, h5py.Dataset):
        problem = "is a group, not an array" if isinstance(obj, h5py.Group) else "does not exist"
        raise ImageReadError(
            f"Dataset '{name}' {problem} in {request.name}. "
            f"Available datasets: {_list_datasets(f)}."
        )
    shape, dtype = tuple(int(n) for n in obj.shape), obj.dtype
    check_dtype(dtype, request)
    axes = axes_for_plain_array(shape, request)
    metadata_vs = _voxel_size_from_attrs(obj.attrs, ("element_size_um", "voxel_size_um"))
    path, ds_name = request.path, obj.name

    def read(index: tuple[Any, ...]) -> np.ndarray:
        with h5py.File(path, "r") as fh:
            return np.asarray(fh[ds_name][index])

    handles = handles_from_layout(shape, axes, dtype, request, metadata_vs, read)
    return with_guessed_axes_said(handles, shape, axes, request)


def image_datasets(f: h5py.File) -> dict[str, str]:
    """A generic HDF5 file's datasets that are images of one shape, by name (the last part of
    their path), in the file's order: {"BF": "/field/BF", "Hoechst": "/field/Hoechst"}; {} for
    a TCF, or for datasets of several shapes or of the same name."""
    if isinstance(f.get("Data/3D"), h5py.Group) or isinstance(f.get("Data/3DFL"), h5py.Group):
        return {}
    found: list[tuple[str, str, tuple[int, ...]]] = []

    def visit(name: str, obj: Any) -> None:
        shape = tuple(int(n) for n in getattr(obj, "shape", ()))
        if (
            isinstance(obj, h5py.Dataset)
            and 2 <= len(shape) <= 4
            and np.dtype(obj.dtype).kind in "uif"
            and min(shape[-2:]) >= MIN_SECTION_SIZE
        ):
            found.append((name.rsplit("/", 1)[-1].strip(), obj.name, shape))

    f.visititems(visit)
    folded = {name.casefold() for name, _, _ in found}
    if len({shape for _, _, shape in found}) != 1 or len(folded) != len(found):
        return {}
    return {name: path_in_file for name, path_in_file, _ in found}


def _channels_hint(f: h5py.File) -> str:
    """How to read a file of one dataset per channel (BF, Hoechst) as the channels of one
    image, where it holds several datasets of one shape; else ""."""
    names = list(image_datasets(f))
    if len(names) < 2:
        return ""
    return (
        " Or, where each of them is a channel of one field, name them as the channels "
        f"(channels “{','.join(names)}”) and the stains among them (stain channels)."
    )


def _named_datasets(f: h5py.File, request: ReadRequest) -> dict[str, str]:
    """The datasets of a generic HDF5 file that ``request.channel_names`` name (any case), as
    {channel: dataset path} in the names' order; {} unless every name is one."""
    names = request.channel_names
    if len(names) < 2 or request.channel_axis is not None:
        return {}
    by_name = {name.casefold(): where for name, where in image_datasets(f).items()}
    if not all(name.casefold() in by_name for name in names):
        return {}
    return {name: by_name[name.casefold()] for name in names}


def _hdf5_channel_handles(
    f: h5py.File, request: ReadRequest, named: dict[str, str]
) -> list[VolumeHandle]:
    """The channels of a label-free image stored one dataset per channel (BF, Hoechst), each
    read as the dataset alone and named by the given name."""
    handles: list[VolumeHandle] = []
    for channel, where in named.items():
        one = replace(request, dataset=where, channel_names=())
        handles += [replace(h, channel=channel) for h in _hdf5_dataset_handles(f, one)]
    return handles


def _tcf_handles(f: h5py.File, request: ReadRequest) -> list[VolumeHandle]:
    if request.modality not in ("ri", "fluorescence"):
        raise ImageReadError(
            f"{request.name} is a Tomocube TCF file, which holds 3D refractive-index tomograms: "
            "choose the modality 'ri' (or 'fluorescence' for its fluorescence channels)."
        )
    handles: list[VolumeHandle] = []
    ri_grid = tcf_ri_grid(f)
    if request.modality == "ri":
        group = f.get("Data/3D")
        if not isinstance(group, h5py.Group):
            raise ImageReadError(f"{request.name} has no refractive-index tomogram (/Data/3D).")
        handles += _tcf_group_handles(group, request, "label_free", "", group.attrs)
    fl = f.get("Data/3DFL")
    if isinstance(fl, h5py.Group):
        dyes = dye_names(fl)
        for ch_name in sorted(fl, key=natural_key):
            ch = fl[ch_name]
            if isinstance(ch, h5py.Group):
                attrs = ch.attrs if "ResolutionX" in ch.attrs else fl.attrs
                found = _tcf_group_handles(
                    ch, request, "fluorescence", ch_name, attrs, ri_grid=ri_grid
                )
                found = [replace(h, dye=dyes.get(ch_name, "")) for h in found]
                # TimeInterval may sit on the channel or on /Data/3DFL.
                interval = ch.attrs if "TimeInterval" in ch.attrs else fl.attrs
                handles += paired_by_time(f.get("Data/3D"), ch, interval, found)
    if request.modality == "fluorescence" and not handles:
        raise ImageReadError(f"{request.name} contains no fluorescence data (/Data/3DFL).")
    return handles


def _tcf_group_handles(
    group: h5py.Group,
    request: ReadRequest,
    kind: Literal["label_free", "fluorescence"],
    channel: str,
    attrs: Any,
    ri_grid: Grid | None = None,
) -> list[VolumeHandle]:
    file_voxel = tcf_voxel_size(group, attrs)
    voxel = file_voxel
    if request.voxel_size is not None:
        voxel = request.voxel_size
    names = dataset_names(group)
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
        check_shape_usable(shape, where)
        check_dtype(ds.dtype, request)
        is_ri = kind == "label_free"
        scale = integer_ri_scale(is_ri, ds.dtype)
        read, note, covered = _h5_reader(request.path, ds.name), "", None
        grid = fl_on_ri_grid(shape, file_voxel, attrs, ri_grid) if not is_ri else None
        if grid is not None:
            read, note = registered_reader(read, grid), coverage_note(grid, channel)
            shape, voxel = grid.ri_shape, (voxel if request.voxel_size else grid.ri_voxel)
            covered = grid.covered or (0, -1)
            covered = None if covered == (0, shape[0] - 1) else covered
        handles.append(
            VolumeHandle(
                kind=kind,
                channel=channel,
                time_index=int(name) if name.isdigit() else position,
                shape=(shape[0], shape[1], shape[2]),
                voxel_size=voxel,
                units="ri" if is_ri else "intensity",
                _read=read,
                _scale=scale,
                _source_name=request.name,
                _nbytes=ds.dtype.itemsize * math.prod(shape),
                note=note,
                imaged_sections=covered,
            )
        )
    return handles


def _h5_reader(path: Path, ds_name: str) -> Callable[[], np.ndarray]:
    def read() -> np.ndarray:
        with h5py.File(path, "r") as fh:
            return np.asarray(fh[ds_name][()])

    return read


def _voxel_size_from_attrs(attrs: Any, keys: Sequence[str]) -> VoxelSize | None:
    for key in keys:
        if key in attrs:
            values = np.asarray(attrs[key], dtype=float).ravel()
            if values.size == 3 and np.all(np.isfinite(values)) and np.all(values > 0):
                return (float(values[0]), float(values[1]), float(values[2]))
    return None
