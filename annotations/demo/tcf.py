"""Writing Tomocube-TCF-like HDF5 files, as the instrument's software lays them out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import h5py
import hdf5plugin
import numpy as np

from annotations.imaging.ri import RI_INTEGER_SCALE


def write_tcf(
    path: str | Path,
    ri_volumes: Sequence[np.ndarray],
    fl_volumes: Mapping[str, Sequence[np.ndarray]] | None,
    voxel_size: Sequence[float],
    *,
    format_version: str = "1.4",
    compression: str | None = None,
    time_interval: float = 600.0,
) -> None:
    """Write a Tomocube-TCF-like HDF5 file (RI stored as uint16 = RI x 1e4 from format 1.3).

    ``ri_volumes`` are the (z, y, x) RI time points; ``fl_volumes`` maps channel
    names ("CH0", ...) to their time points. ``compression`` is None, "gzip",
    "lzf", or an hdf5plugin filter: "zstd", "lz4", "blosc".
    """
    if not ri_volumes:
        raise ValueError("A TCF file needs at least one RI volume.")
    volumes = [np.asarray(v) for v in ri_volumes]
    shape = volumes[0].shape
    if any(v.ndim != 3 or v.shape != shape for v in volumes):
        raise ValueError("All RI volumes must be 3D (z, y, x) arrays of the same shape.")
    vz, vy, vx = (float(v) for v in voxel_size)
    integer_ri = _version_tuple(format_version) >= (1, 3)
    filters = _compression_kwargs(compression)
    with h5py.File(path, "w") as f:
        f.attrs.update(_root_attrs(format_version))
        group = f.create_group("Data/3D")
        group.attrs.update(_group_attrs(shape, (vz, vy, vx), len(volumes), time_interval))
        ri_min = min(float(v.min()) for v in volumes)
        ri_max = max(float(v.max()) for v in volumes)
        group.attrs.update({"RIMin": _attr(ri_min), "RIMax": _attr(ri_max)})
        for t, volume in enumerate(volumes):
            data = _ri_to_uint16(volume) if integer_ri else volume.astype(np.float32)
            ds = group.create_dataset(f"{t:06d}", data=data, **_chunked(filters, shape))
            ds.attrs.update({"Time": _attr(t * time_interval), "RIMin": _attr(float(volume.min()))})
            ds.attrs["RIMax"] = _attr(float(volume.max()))
        if fl_volumes:
            _write_fluorescence(f, fl_volumes, shape, (vz, vy, vx), filters, time_interval)


def _version_tuple(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in version.split(".")[:2])
    except ValueError:
        raise ValueError(f"format_version must look like '1.4'; got {version!r}.") from None


def _attr(value: float | int) -> np.ndarray:
    # TCF files store scalar attributes as one-element arrays.
    return np.array([value], dtype=np.int64 if isinstance(value, int) else np.float64)


def _root_attrs(format_version: str) -> dict[str, object]:
    return {
        "FormatVersion": format_version,
        "CreateDate": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "DataID": "synthetic",
        "Title": "synthetic cell",
        "SoftwareVersion": "synthetic",
    }


def _group_attrs(
    shape: tuple[int, ...], voxel: tuple[float, float, float], count: int, interval: float
) -> dict[str, np.ndarray]:
    nz, ny, nx = shape
    return {
        "SizeX": _attr(int(nx)),
        "SizeY": _attr(int(ny)),
        "SizeZ": _attr(int(nz)),
        "ResolutionX": _attr(voxel[2]),
        "ResolutionY": _attr(voxel[1]),
        "ResolutionZ": _attr(voxel[0]),
        "DataCount": _attr(int(count)),
        "TimeInterval": _attr(float(interval)),
    }


def _ri_to_uint16(volume: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(volume * RI_INTEGER_SCALE), 0, 65535).astype(np.uint16)


def _compression_kwargs(compression: str | None) -> dict[str, object]:
    if compression is None:
        return {}
    options: dict[str, dict[str, object]] = {
        "gzip": {"compression": "gzip", "compression_opts": 4},
        "lzf": {"compression": "lzf"},
        "zstd": dict(hdf5plugin.Zstd()),
        "lz4": dict(hdf5plugin.LZ4()),
        "blosc": dict(hdf5plugin.Blosc()),
    }
    try:
        return options[compression]
    except KeyError:
        raise ValueError(
            f"Unknown compression '{compression}'; choose one of {', '.join(options)}."
        ) from None


def _chunked(filters: dict[str, object], shape: tuple[int, ...]) -> dict[str, object]:
    if not filters:
        return {}
    return {"chunks": tuple(min(n, c) for n, c in zip(shape, (16, 128, 128))), **filters}


def _write_fluorescence(
    f: h5py.File,
    fl_volumes: Mapping[str, Sequence[np.ndarray]],
    ri_shape: tuple[int, ...],
    voxel: tuple[float, float, float],
    filters: dict[str, object],
    interval: float,
) -> None:
    group = f.create_group("Data/3DFL")
    first = np.asarray(next(iter(fl_volumes.values()))[0])
    if first.ndim != 3:
        raise ValueError("Fluorescence volumes must be 3D (z, y, x) arrays.")
    # The fluorescence stack covers the same field of view as the tomogram.
    fl_voxel = tuple(round(v * r / s, 9) for v, r, s in zip(voxel, ri_shape, first.shape))
    count = max(len(v) for v in fl_volumes.values())
    group.attrs.update(_group_attrs(first.shape, fl_voxel, count, interval))  # type: ignore[arg-type]
    group.attrs["Channels"] = _attr(len(fl_volumes))
    for index, (name, volumes) in enumerate(fl_volumes.items()):
        channel_name = name if name.startswith("CH") and name[2:].isdigit() else f"CH{index}"
        channel = group.create_group(channel_name)
        channel.attrs["Name"] = name
        for t, volume in enumerate(volumes):
            data = np.asarray(volume)
            if data.shape != first.shape:
                raise ValueError("All fluorescence volumes must have the same shape.")
            stored = np.clip(np.rint(data), 0, 65535).astype(np.uint16)
            channel.create_dataset(f"{t:06d}", data=stored, **_chunked(filters, first.shape))
