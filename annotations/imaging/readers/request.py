"""What the caller asked ``open_image`` for, checked, and the limits every reader applies."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from ..errors import ImageReadError

MODALITIES = ("ri", "brightfield", "phase", "dic", "fluorescence")
LABEL_FREE_MODALITIES = ("ri", "brightfield", "phase", "dic")
MIN_SECTION_SIZE = 16

VoxelSize = tuple[float, float, float]


@dataclass(frozen=True)
class ReadRequest:
    """One ``open_image`` call's arguments, checked."""

    path: Path
    modality: str
    dataset: str | None
    time_index: int | None
    voxel_size: VoxelSize | None
    voxel_size_2d: tuple[float, float] | None
    channel: str | None
    # A multi-channel label-free image: the stored array's axis that holds the channels, and
    # their names (docs/imports.md, "Several label-free channels").
    channel_axis: int | None = None
    channel_names: tuple[str, ...] = ()

    @property
    def kind(self) -> Literal["label_free", "fluorescence"]:
        return "fluorescence" if self.modality == "fluorescence" else "label_free"

    @property
    def name(self) -> str:
        return f"'{self.path.name}'"


def make_request(
    path: str | Path,
    modality: str,
    dataset: str | None,
    time_index: int | None,
    voxel_size: Sequence[float] | None,
    channel: str | None,
    channel_axis: int | None = None,
    channel_names: Sequence[str] = (),
) -> ReadRequest:
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
    names = tuple(str(n).strip() for n in channel_names)
    if (channel_axis is not None or len(names) > 1) and modality not in LABEL_FREE_MODALITIES:
        raise ImageReadError(
            "A channel axis and channel names describe a multi-channel label-free image "
            "(e.g. bright-field + phase); a fluorescence file's channels are picked by name."
        )
    if channel_axis is not None and (isinstance(channel_axis, bool) or channel_axis < 0):
        raise ImageReadError(
            f"The channel axis is a position in the stored array (0, 1, ...), not {channel_axis!r}."
        )
    return ReadRequest(p, modality, dataset, time_index, vs3, vs2, channel, channel_axis, names)


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


def check_dtype(dtype: np.dtype, request: ReadRequest) -> None:
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


def check_shape_usable(zyx: tuple[int, ...], where: str) -> None:
    if math.prod(zyx) == 0:
        raise ImageReadError(f"{where} contains no pixels (shape {tuple(zyx)}).")
    ny, nx = zyx[-2], zyx[-1]
    if ny < MIN_SECTION_SIZE or nx < MIN_SECTION_SIZE:
        raise ImageReadError(
            f"{where}: sections are only {nx}×{ny} pixels; at least "
            f"{MIN_SECTION_SIZE}×{MIN_SECTION_SIZE} are needed to segment a nucleus."
        )


def ri_needs_3d(name: str) -> str:
    return (
        f"{name} is a 2D image, but refractive-index (RI) tomograms are 3D stacks (z, y, x). "
        "Upload the 3D tomogram, or choose brightfield, phase or DIC for a 2D image."
    )
