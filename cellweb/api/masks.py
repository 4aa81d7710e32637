"""Masks sent as base64 PNG text (a ``data:`` URL prefix is accepted)."""

from __future__ import annotations

import base64
import binascii

import numpy as np

from annotations.imaging.errors import MaskError
from annotations.imaging.masks import decode_mask
from cellweb.errors import InvalidInput


def decode_base64_png(text: str | None, *, field: str = "mask_png") -> bytes:
    """The PNG bytes of ``text``; whitespace and line breaks inside it are ignored."""
    text = (text or "").strip()
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"“{field}” must be a base64-encoded PNG image.") from None


def decode_base64_mask(
    text: str | None, shape: tuple[int, int], *, field: str = "mask_png"
) -> np.ndarray:
    """The bool mask of ``text`` for a section of ``shape``; a clear 400 when it is unusable."""
    try:
        return decode_mask(decode_base64_png(text, field=field), shape)
    except MaskError as exc:
        raise InvalidInput(exc.message) from exc
