"""How a moment is written in a message people read (a 409's detail, a note on a page)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_minute(at: datetime) -> str:
    """``at`` to the minute in UTC, named: "2026-12-07 09:12 UTC"."""
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
