"""NumPy .npy arrays, memory-mapped so a volume is read only when it is loaded."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ImageReadError
from .layout import axes_for_plain_array, handles_from_layout, with_guessed_axes_said
from .request import ReadRequest, check_dtype
from .volume import VolumeHandle


def open_npy(request: ReadRequest) -> list[VolumeHandle]:
    try:
        array = np.load(request.path, mmap_mode="r", allow_pickle=False)
    except Exception as exc:
        raise ImageReadError(
            f"{request.name} is not a readable NumPy .npy file; it seems corrupt or incomplete "
            f"({exc})."
        ) from exc
    shape, dtype = tuple(int(n) for n in array.shape), array.dtype
    del array
    check_dtype(dtype, request)
    axes = axes_for_plain_array(shape, request)
    path = request.path

    def read(index: tuple[Any, ...]) -> np.ndarray:
        return np.array(np.load(path, mmap_mode="r", allow_pickle=False)[index])

    handles = handles_from_layout(shape, axes, dtype, request, None, read)
    return with_guessed_axes_said(handles, shape, axes, request)
