"""Masks sent to the annotation APIs as base64 PNG text, checked against their section.

The API kit (``cellweb.api``) turns the text into PNG bytes; what a mask is and how it is checked
belongs to this app's pure imaging package (``annotations.imaging.masks``), so the kit does not
depend on an app.
"""

from __future__ import annotations

import numpy as np

from annotations.imaging.errors import MaskError
from annotations.imaging.masks import decode_mask
from cellweb.api import decode_base64_png
from cellweb.errors import InvalidInput

__all__ = ["decode_base64_mask"]


def decode_base64_mask(
    text: str | None, shape: tuple[int, int], *, field: str = "mask_png"
) -> np.ndarray:
    """The bool mask of ``text`` for a section of ``shape``; a clear 400 when it is unusable."""
    try:
        return decode_mask(decode_base64_png(text, field=field), shape)
    except MaskError as exc:
        raise InvalidInput(exc.message) from exc
