"""2D PNG images (grey, 16-bit or colour)."""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

from ..errors import ImageReadError
from .layout import handles_from_layout
from .request import ReadRequest, ri_needs_3d
from .volume import VolumeHandle


def open_png(request: ReadRequest) -> list[VolumeHandle]:
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
        raise ImageReadError(ri_needs_3d(request.name))
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
    return handles_from_layout(shape, "YXS" if rgb else "YX", dtype, request, None, read)
