"""How a stored array's axes map onto (time, channel) volumes of (z, y, x) sections."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ImageReadError
from .request import MIN_SECTION_SIZE, ReadRequest, VoxelSize, check_shape_usable, ri_needs_3d
from .volume import VolumeHandle, integer_ri_scale


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


def axes_for_plain_array(shape: tuple[int, ...], request: ReadRequest) -> str:
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


def _normalise_axes(shape: tuple[int, ...], axes: str, request: ReadRequest) -> _Layout:
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


def handles_from_layout(
    shape: tuple[int, ...],
    axes: str,
    dtype: np.dtype,
    request: ReadRequest,
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
    scale = integer_ri_scale(request.modality == "ri", dtype)
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
    request: ReadRequest, zyx: tuple[int, int, int], rgb: bool, n_channels: int, has_z: bool
) -> None:
    if request.modality == "ri" and not has_z:
        raise ImageReadError(ri_needs_3d(request.name))
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
    check_shape_usable(zyx, request.name)


def _resolve_voxel_size(
    request: ReadRequest, metadata_vs: VoxelSize | None, *, is_2d: bool
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


def _channel_name(request: ReadRequest, c: int, n_channels: int) -> str:
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
