"""Saving each person's display window for a volume (``DisplayPreference``)."""

from __future__ import annotations

import math

from django.db import transaction
from django.utils import timezone

from annotations.models import DisplayPreference, Volume, WindowMode
from annotations.selectors.display import auto_window
from cellweb.errors import ConflictError, InvalidInput

# Far beyond any RI (about 1.3–1.5) or 32-bit intensity: a bound past this is a typing slip.
LARGEST_BOUND = 1e12


def display_preference_save(
    *, user, volume: Volume, mode: str, lo: float | None = None, hi: float | None = None
) -> DisplayPreference:
    """Remember ``user``'s window for ``volume``: the physical ``default``, ``auto`` (the
    volume's stored percentiles) or a ``custom`` lo < hi in the volume's physical units."""
    if mode not in WindowMode.values:
        raise InvalidInput(
            f"Unknown window mode “{mode}”; choose one of {', '.join(WindowMode.values)}."
        )
    if mode == WindowMode.AUTO and auto_window(volume.stats) is None:
        raise ConflictError(
            "This volume has no stored percentiles, so it offers no auto window.",
            code="no_auto_window",
        )
    if mode == WindowMode.CUSTOM:
        if lo is None or hi is None:
            raise InvalidInput("A custom window needs both lo and hi.")
        if not all(math.isfinite(v) and abs(v) <= LARGEST_BOUND for v in (lo, hi)):
            raise InvalidInput("The window bounds must be finite numbers.")
        if lo >= hi:
            raise InvalidInput(f"The window needs lo < hi; got lo={lo:g}, hi={hi:g}.")
    else:
        lo = hi = None
    with transaction.atomic():
        preference, _ = DisplayPreference.objects.select_for_update().get_or_create(
            user=user, volume=volume
        )
        preference.mode, preference.lo, preference.hi = mode, lo, hi
        preference.updated_at = timezone.now()
        preference.full_clean()
        preference.save()
    return preference
