"""Writing a stack as an ImageJ TIFF that Fiji opens in µm: zlib-compressed (ImageJ's own "ZIP"
TIFF compression), the pixel size as ImageJ records it (x/y resolution in pixels per µm and
``unit=um`` in its description), the z step as ``spacing`` where the pages are z sections.

Without these a label image exported from CellWeb measures in pixels in Fiji (resolution 1/1),
so every area and volume a biologist reads there is off by the pixel size squared or cubed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import tifffile

__all__ = ["imagej_tiff_bytes"]


def imagej_tiff_bytes(
    stack: np.ndarray,
    *,
    pixel_size_yx: Sequence[float] | None = None,
    z_step: float | None = None,
) -> bytes:
    """``stack`` (pages, y, x) as an ImageJ TIFF; the pages are ImageJ's slices. ``pixel_size_yx``
    (µm) gives the resolution and unit; ``z_step`` (µm) the spacing, only where the pages are z."""
    data = np.ascontiguousarray(stack)
    if data.dtype == np.bool_:
        data = data.view(np.uint8)
    metadata: dict[str, Any] = {"axes": "ZYX"}
    resolution = None
    if pixel_size_yx is not None:
        vy, vx = (float(v) for v in pixel_size_yx)
        resolution = (1.0 / vx, 1.0 / vy)
        metadata["unit"] = "um"
        if z_step is not None:
            metadata["spacing"] = float(z_step)
    buffer = io.BytesIO()
    tifffile.imwrite(
        buffer, data, imagej=True, resolution=resolution, metadata=metadata, compression="zlib"
    )
    return buffer.getvalue()
