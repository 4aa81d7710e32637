"""Masks sent as base64 PNG text (a ``data:`` URL prefix is accepted).

Only the text-to-PNG step lives in the kit; checking the PNG as a mask of a section is the
annotations app's (``annotations.apis.masks.decode_base64_mask``), so the kit imports no app.
"""

from __future__ import annotations

import base64
import binascii

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
