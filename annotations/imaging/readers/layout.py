"""How a stored array's axes map onto (time, channel) volumes of (z, y, x) sections."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
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
    if request.channel_axis is not None:
        # Told explicitly: that axis holds the channels, the other leading one (if any) is z.
        if ndim not in (3, 4) or request.channel_axis >= ndim - 2:
            raise ImageReadError(
                f"{request.name} is an array of shape {shape}: the channel axis must be one of "
                f"its leading axes (0{' or 1' if ndim == 4 else ''}), before y and x; a 3D "
                "(c, y, x) or 4D (z, c, y, x) / (c, z, y, x) array can hold channels."
            )
        return "".join(
            "C" if i == request.channel_axis else ("Z" if i < ndim - 2 else "YX"[i - ndim + 2])
            for i in range(ndim)
        )
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


def with_guessed_axes_said(
    handles: list[VolumeHandle], shape: tuple[int, ...], axes: str, request: ReadRequest
) -> list[VolumeHandle]:
    """``handles``, told (as ``info``) how a 4D array that names no axes was read: as
    (t, z, y, x), which is a guess (the first or second axis may hold channels)."""
    if len(shape) != 4 or axes != "TZYX" or request.channel_axis is not None:
        return handles
    times, planes = shape[0], shape[1]
    info = (
        f"{request.name} does not say which axis is which: its "
        f"{'×'.join(str(n) for n in shape)} array was read as (t, z, y, x), {times} time "
        f"point{'s' if times != 1 else ''} of {planes} z-section{'s' if planes != 1 else ''}. "
        "If an axis holds channels (a label-free image and a stain), delete the specimen (its "
        "page, Delete specimen) and import the file again with the channel axis (0 or 1) and "
        "the channels' names; a file saved with its axes (ImageJ hyperstack, OME-TIFF) is read "
        "by them."
    )
    return [replace(h, info=" ".join(filter(None, [h.info, info]))) for h in handles]


def with_channel_axis(shape: tuple[int, ...], axes: str, request: ReadRequest) -> str:
    """A file's own axes (TIFF), with the channel axis the caller named."""
    p = request.channel_axis
    if p is None:
        return axes
    axes = axes.upper()
    if p >= len(axes) or axes[p] in "YXS":
        raise ImageReadError(
            f"{request.name} has axes {axes} (shape {shape}): axis {p} cannot hold the channels; "
            "give the position of a leading axis (before y and x)."
        )
    if any(a == "C" and n > 1 and i != p for i, (a, n) in enumerate(zip(axes, shape))):
        raise ImageReadError(
            f"{request.name} already has a channel axis (axes {axes}, shape {shape}); leave "
            "the channel axis out and give only the channel names."
        )
    return axes[:p] + "C" + axes[p + 1 :]


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
    if request.kind == "label_free":
        _check_label_free_channels(request, n_channels)
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


def _check_label_free_channels(request: ReadRequest, n_channels: int) -> None:
    names = request.channel_names
    told = request.channel_axis is not None or len(names) > 1
    if n_channels > 1 and not told:
        raise ImageReadError(
            f"{request.name} has {n_channels} channels. A label-free image with several "
            "channels (focal planes, bright-field + phase) is imported as one multi-channel "
            "image only when its channels are named (channels “bf,phase”); otherwise choose the "
            "modality 'fluorescence' or export a single channel."
        )
    if told and n_channels == 1:
        raise ImageReadError(
            f"{request.name} has no channel axis that could hold the "
            f"{len(names) or 'named'} channels: say which axis of the stored array holds them "
            "(channel axis 0 for (c, y, x), 1 for (z, c, y, x)); a stack is otherwise read as "
            "z-planes."
        )
    if len(names) > 1 and len(names) != n_channels:
        raise ImageReadError(
            f"{request.name} has {n_channels} channels but {len(names)} names were given "
            f"({', '.join(names)})."
        )


def _channel_name(request: ReadRequest, c: int, n_channels: int) -> str:
    if request.kind == "label_free":
        if n_channels == 1:
            return ""
        names = request.channel_names
        return names[c] if len(names) == n_channels else f"channel {c + 1}"
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
