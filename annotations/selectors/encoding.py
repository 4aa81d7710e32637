"""Stored bytes as the JSON text the front end and the API get."""

from __future__ import annotations

import base64


def b64(data: bytes | memoryview | None) -> str | None:
    """``data`` (a PNG mask, usually) as base64 text; ``None`` stays ``None``."""
    if data is None:
        return None
    return base64.b64encode(bytes(data)).decode("ascii")
