"""Counts in words, as pages and job messages say them."""

from __future__ import annotations

__all__ = ["counted"]


def counted(count: int, word: str) -> str:
    """``count`` and ``word``, plural unless the count is one: "1 specimen", "3 volumes"."""
    return f"{count} {word}{'' if count == 1 else 's'}"
