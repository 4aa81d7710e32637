"""The one check of a name a user types (a class, a specimen, a lab)."""

from __future__ import annotations

from cellweb.errors import InvalidInput


def name_checked(cleaned: str, *, what: str, max_length: int, example: str | None = None) -> str:
    """``cleaned`` (already trimmed) when it can name a ``what``: at most ``max_length``
    characters and no control character; with an ``example``, a name is required."""
    if example is not None and not cleaned:
        raise InvalidInput(f"Give the {what} a name (e.g. “{example}”).")
    if len(cleaned) > max_length:
        raise InvalidInput(
            f"The {what} name is too long ({len(cleaned)} characters; at most {max_length})."
        )
    if any(ord(ch) < 32 for ch in cleaned):
        raise InvalidInput(f"The {what} name must not contain control characters.")
    return cleaned
