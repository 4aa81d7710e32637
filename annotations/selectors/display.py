"""How a section is shown: the URL of its rendered image, its display window and its label."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from annotations.models import Modality, Section, Volume

# The specimen viewer's RI slider spans at least this, whatever the data (cells and medium).
RI_SLIDER_RANGE = (1.30, 1.46)


def section_image_url(section_id: int) -> str:
    return reverse("api-section-image", args=[section_id])


def _round_to(value: float, step: float, up: bool) -> float:
    scaled = value / step
    return round((math.ceil(scaled) if up else math.floor(scaled)) * step, 6)


def display_window(
    *, modality: str, stats: dict | None, ri_range: tuple[float, float] | None = None
) -> dict:
    """The window a picture opens with and the slider range around it.

    RI: the default window (``CELLWEB_RI_WINDOW_*``) on a slider from the smaller of
    ``ri_range`` (default: that window) and the data's minimum to the larger of the two maxima,
    rounded out to 0.01. Intensities: the 0.5-99.5 percentiles on a slider over the data's range.
    ``stats`` are a section's or a volume's (min, max, p0_5, p99_5).
    """
    stats = stats or {}
    if modality == Modality.RI:
        lo, hi = settings.RI_WINDOW_DEFAULT
        span_lo, span_hi = ri_range or (lo, hi)
        low = min(span_lo, float(stats.get("min", span_lo)))
        high = max(span_hi, float(stats.get("max", span_hi)))
        return {
            "lo": lo,
            "hi": hi,
            "min": _round_to(low, 0.01, up=False),
            "max": _round_to(high, 0.01, up=True),
            "step": 0.001,
            "units": "RI",
        }
    low = float(stats.get("min", 0.0))
    high = float(stats.get("max", low + 1.0))
    if high <= low:
        high = low + 1.0
    lo = float(stats.get("p0_5", low))
    hi = float(stats.get("p99_5", high))
    if hi <= lo:
        lo, hi = low, high
    step = (high - low) / 1000.0
    return {
        "lo": lo,
        "hi": hi,
        "min": low,
        "max": high,
        "step": float(f"{step:.3g}"),
        "units": "intensity",
    }


def stain_image_url(section_id: int) -> str:
    """The picture of a fluorescence section in its volume's window (0.5-99.5 percentiles of the
    whole stack), not its own: a section without stained nucleus then stays dark instead of its
    noise being stretched over the whole grey range."""
    url = section_image_url(section_id)
    stats = Volume.objects.filter(sections=section_id).values_list("stats", flat=True).first() or {}
    lo, hi = stats.get("p0_5"), stats.get("p99_5")
    if lo is None or hi is None or not float(lo) < float(hi):
        return url
    return f"{url}?{urlencode({'lo': f'{float(lo):.6g}', 'hi': f'{float(hi):.6g}'})}"


def section_display_window(section: Section) -> dict:
    """The editor's window for ``section``: its own statistics, the default RI window's span."""
    return display_window(modality=section.volume.modality, stats=section.stats)


def z_label(z: int, size_z: int) -> str:
    """“z5 of z0–z9”: z counts from 0 everywhere (pages, API, exports, the files' own index), and
    the range says so, so nobody reads the last section of ten as z10."""
    return f"z{z} of z0–z{size_z - 1}" if size_z > 1 else f"z{z}"


def section_label(section: Section) -> str:
    """“specimen · t<time point> · z<z> of z0–z<last>”, how pages name a section."""
    volume = section.volume
    return f"{section.specimen.name} · t{volume.time_index} · {z_label(section.z, volume.size_z)}"
