"""What a reader hands back: lazy handles on the (z, y, x) volumes of a file, and their loading."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from ..colour import grey_if_equal
from ..errors import ImageReadError, ImagingError
from ..ri import RI_INTEGER_SCALE, ri_scale
from .padding import fill_padding
from .request import VoxelSize

_LUMINANCE = np.array([0.2125, 0.7154, 0.0721], dtype=np.float32)


def integer_ri_scale(is_ri: bool, dtype: np.dtype) -> float | None:
    """The factor that turns stored integers into RI (Tomocube's RI x 10,000), else None."""
    return 1.0 / RI_INTEGER_SCALE if is_ri and dtype.kind in "ui" else None


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
    # What a person should know about how this volume was read (a stain resampled onto the
    # tomogram's grid, and which sections it covers).
    note: str = field(default="", compare=False)
    # What the import chose by itself, as information rather than a warning (the channels it
    # picked by their names in the file).
    info: str = field(default="", compare=False)
    # The first and last section (inclusive) that hold image data when a stain was resampled
    # onto a taller tomogram (first > last: none); None when every section does.
    imaged_sections: tuple[int, int] | None = field(default=None, compare=False)
    # The stain the file names for this fluorescence channel (a TCF channel's Name: "Hoechst"),
    # stored as the volume's channel; "" where the file names none.
    dye: str = field(default="", compare=False)

    @property
    def stored_channel(self) -> str:
        """The channel name an import stores: the dye the file names, else the channel."""
        return self.dye or self.channel

    @property
    def description(self) -> str:
        dye = f" ({self.dye})" if self.dye else ""
        what = "label-free" if self.kind == "label_free" else f"fluorescence {self.channel}{dye}"
        return f"{what} volume at time point {self.time_index}"

    def load(self, notes: list[str] | None = None) -> np.ndarray:
        """Read this volume as float32 (z, y, x); RI in physical units, whether the file stores
        RI, or RI x 10,000 as integers or as floats. A NaN (or, in RI, 0) margin around the image
        is filled with its background (``padding.py``); a NaN inside it is refused. What a person
        should know of either is appended to ``notes``, in words that are the same at every time
        point of a file."""
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
        volume = to_float_zyx(raw, rgb=self._rgb, scale=self._scale)
        is_ri = self.units == "ri"
        said: list[str] = []
        if fill_padding(volume, is_ri=is_ri):
            said.append(
                f"{self._source_name} pads its image with a margin of {'NaN or 0' if is_ri else 'NaN'}"
                " (whole sections, rows and columns); it was filled with the image's background, "
                "the median of its outermost voxels."
            )
        if is_ri and raw.dtype.kind == "f" and (encoded := ri_scale(volume)) != 1.0:
            # Float RI saved as RI x 10,000 (a converted TCF, a TomoStudio float export).
            volume /= np.float32(encoded)
            said.append(f"{self._source_name} stores RI × 10,000 as decimals; it was read as RI.")
        if notes is not None:
            notes += [text for text in said if text not in notes]
        if volume.shape != self.shape:
            raise ImageReadError(
                f"The {self.description} of {self._source_name} has shape {volume.shape}, "
                f"but the file header announced {self.shape}; the file seems corrupt."
            )
        if raw.dtype.kind == "f":
            check_finite(volume, f"the {self.description} of {self._source_name}")
        return volume


@dataclass(frozen=True)
class ImageSource:
    """What ``open_image`` found in a file."""

    path: Path
    format: str
    volumes: list[VolumeHandle]
    nbytes: int
    # Minutes between time points where the file records it (readers/frame_interval.py).
    frame_interval_min: float | None = None

    @property
    def label_free(self) -> list[VolumeHandle]:
        return [v for v in self.volumes if v.kind == "label_free"]

    @property
    def fluorescence(self) -> list[VolumeHandle]:
        return [v for v in self.volumes if v.kind == "fluorescence"]


def to_float_zyx(raw: np.ndarray, *, rgb: bool, scale: float | None) -> np.ndarray:
    data = raw
    if rgb:
        # A grey image saved as RGB is its grey plane, exactly (imaging/colour.py).
        grey = grey_if_equal(data)
        data = grey if grey is not None else _luminance(data)
    volume = np.ascontiguousarray(data, dtype=np.float32)
    if not volume.flags.writeable:
        volume = volume.copy()
    if scale is not None:
        volume *= np.float32(scale)
    if volume.ndim == 2:
        volume = volume[np.newaxis]
    return volume


def _luminance(rgb: np.ndarray) -> np.ndarray:
    return np.tensordot(rgb[..., :3].astype(np.float32, copy=False), _LUMINANCE, axes=1)


def check_finite(volume: np.ndarray, where: str) -> None:
    # min/max propagate NaN and inf without allocating a boolean volume.
    lo, hi = volume.min(), volume.max()
    if math.isfinite(lo) and math.isfinite(hi):
        return
    bad = int(np.count_nonzero(~np.isfinite(volume)))
    raise ImageReadError(
        f"{where[:1].upper()}{where[1:]} contains {bad} invalid value(s) (NaN or infinity), usually left by a failed "
        "reconstruction or export. Re-export the image and upload it again."
    )
