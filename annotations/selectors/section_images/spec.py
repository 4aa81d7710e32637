"""One rendering request resolved: display window, size and tint, its ETag and cache key."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings

from annotations.imaging.render import TINTS
from annotations.models import Modality
from cellweb.errors import InvalidInput

from .sources import SectionSource

# Bump when rendering changes, so browsers and the cache do not keep the old pictures.
RENDER_VERSION = 2
IMAGE_SIZE_RANGE = (16, 2048)


@dataclass(frozen=True)
class SectionImage:
    """A fully resolved rendering request; equal requests give identical PNG bytes."""

    source: SectionSource
    window: tuple[float, float]
    size: int | None
    tint: str
    # The section's default window, which every viewer asks for first: worth the shared cache.
    # A window of one's own (a slider being dragged) stays in the process's memory only.
    shared: bool = True
    # Which channel of a multi-channel section (0 for every other section).
    channel: int = 0

    @property
    def stats(self) -> dict:
        """The stats of the channel shown (a multi-channel section keeps one entry per channel)."""
        channels = self.source.stats.get("channels")
        return channels[self.channel] if channels else self.source.stats

    @cached_property
    def digest(self) -> str:
        s = self.source
        text = (
            f"{RENDER_VERSION}|{s.section_id}|{s.volume_id}|{s.z}|{s.data_name}|"
            f"{self.window[0]!r}|{self.window[1]!r}|{self.size}|{self.tint}|{s.modality}"
        )
        if s.channel_names:
            text += f"|channel {self.channel}"
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'

    @property
    def cache_key(self) -> str:
        return f"secpng:{self.source.section_id}:{self.digest}"


def _number(params, name: str) -> float | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InvalidInput(
            f"{name} must be a number (the display window bound); got “{raw[:40]}”."
        ) from None
    if not math.isfinite(value):
        raise InvalidInput(f"{name} must be a finite number.")
    return value


def _whole(params, name: str, what: str) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a whole number ({what}); got “{raw[:40]}”.") from None


def section_image_params(params) -> dict:
    """lo, hi, size, tint and channel from a query string, checked."""
    return {
        "lo": _number(params, "lo"),
        "hi": _number(params, "hi"),
        "size": _whole(params, "size", "of pixels"),
        "tint": params.get("tint") or "gray",
        "channel": _whole(params, "channel", "the channel's position, from 0") or 0,
    }


def section_image_spec(
    *,
    source: SectionSource,
    lo: float | None = None,
    hi: float | None = None,
    size: int | None = None,
    tint: str = "gray",
    channel: int = 0,
) -> SectionImage:
    """Resolve the display window (RI default, percentiles otherwise) and validate the request."""
    n_channels = max(1, len(source.channel_names))
    if not 0 <= channel < n_channels:
        raise InvalidInput(
            f"channel must be between 0 and {n_channels - 1}: the section has {n_channels} "
            f"channel(s){' (' + ', '.join(source.channel_names) + ')' if n_channels > 1 else ''}."
        )
    for name, value in (("lo", lo), ("hi", hi)):
        if value is not None and not math.isfinite(value):
            raise InvalidInput(f"The window bound {name} must be a finite number.")
    if source.modality == Modality.RI:
        default_lo, default_hi = settings.RI_WINDOW_DEFAULT
    else:
        stats = source.stats or {}
        stats = stats["channels"][channel] if stats.get("channels") else stats
        default_lo = stats.get("p0_5", stats.get("min", 0.0))
        default_hi = stats.get("p99_5", stats.get("max", 1.0))
        if default_hi <= default_lo:
            default_lo, default_hi = stats.get("min", 0.0), stats.get("max", 1.0)
        if default_hi <= default_lo:
            default_hi = default_lo + 1.0
    window = (float(default_lo if lo is None else lo), float(default_hi if hi is None else hi))
    if not window[0] < window[1]:
        raise InvalidInput(
            f"The display window needs lo < hi; got lo={window[0]:g}, hi={window[1]:g}."
        )
    if size is not None:
        if not IMAGE_SIZE_RANGE[0] <= size <= IMAGE_SIZE_RANGE[1]:
            raise InvalidInput(
                f"size must be between {IMAGE_SIZE_RANGE[0]} and {IMAGE_SIZE_RANGE[1]} pixels."
            )
        if size >= max(source.size_y, source.size_x):
            size = None  # never enlarged, so this is the full-size picture
    if tint not in TINTS:
        raise InvalidInput(f"Unknown tint “{tint}”; choose one of {', '.join(TINTS)}.")
    shared = window == (float(default_lo), float(default_hi))
    return SectionImage(
        source=source, window=window, size=size, tint=tint, shared=shared, channel=channel
    )


def etag_matches(etag: str, header: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak or strong)."""
    if not header:
        return False
    for part in header.split(","):
        part = part.strip()
        if part.startswith("W/"):
            part = part[2:]
        if part == etag:
            return True
    return False
