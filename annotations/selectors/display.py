"""How a section is shown: the URL of its rendered image, its display window and its label."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from annotations.models import DisplayPreference, Modality, Section, Volume, WindowMode

# The specimen viewer's RI slider spans at least this, whatever the data (cells and medium).
RI_SLIDER_RANGE = (1.30, 1.46)


def section_image_url(section_id: int) -> str:
    return reverse("api-section-image", args=[section_id])


def _round_to(value: float, step: float, up: bool) -> float:
    scaled = value / step
    return round((math.ceil(scaled) if up else math.floor(scaled)) * step, 6)


def auto_window(volume_stats: dict | None) -> dict | None:
    """“Auto”: the 0.5–99.5 percentiles of a whole volume, stored with it at import
    (``Volume.stats``), in its physical units; None when they are missing or flat."""
    stats = volume_stats or {}
    try:
        lo, hi = float(stats["p0_5"]), float(stats["p99_5"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return None
    return {"lo": lo, "hi": hi}


def display_window(
    *,
    modality: str,
    stats: dict | None,
    ri_range: tuple[float, float] | None = None,
    volume_stats: dict | None = None,
) -> dict:
    """The window a picture opens with and the slider range around it.

    RI: the default window (``CELLWEB_RI_WINDOW_*``) on a slider from the smaller of
    ``ri_range`` (default: that window) and the data's minimum to the larger of the two maxima,
    rounded out to 0.01. Intensities: the 0.5-99.5 percentiles on a slider over the data's range.
    ``stats`` are a section's or a volume's (min, max, p0_5, p99_5). With ``volume_stats`` the
    window also offers ``auto`` (``auto_window``), and the slider reaches it.
    """
    window = _default_window(modality=modality, stats=stats or {}, ri_range=ri_range)
    auto = auto_window(volume_stats)
    if auto is not None:
        window["auto"] = auto
        window["min"] = min(window["min"], auto["lo"])
        window["max"] = max(window["max"], auto["hi"])
    return window


def _default_window(*, modality: str, stats: dict, ri_range: tuple[float, float] | None) -> dict:
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


def window_preference(*, user, volume: Volume) -> dict | None:
    """``user``'s saved choice for ``volume`` ({mode, lo, hi}), or None when they made none."""
    if not getattr(user, "is_authenticated", False):
        return None
    row = (
        DisplayPreference.objects.filter(user=user, volume=volume)
        .values("mode", "lo", "hi")
        .first()
    )
    if row is None:
        return None
    if row["mode"] != WindowMode.CUSTOM:
        row["lo"] = row["hi"] = None
    return row


def volume_display_window(
    *, volume: Volume, user=None, stats: dict | None = None, ri_range=None
) -> dict:
    """``display_window`` of ``volume`` with its ``auto`` choice and, for ``user``, their saved
    ``preference`` and the ``preferenceUrl`` that saves a new one."""
    window = display_window(
        modality=volume.modality,
        stats=volume.stats if stats is None else stats,
        ri_range=ri_range,
        volume_stats=volume.stats,
    )
    window["volumeId"] = volume.pk
    window["preferenceUrl"] = reverse("api-volume-display", args=[volume.pk])
    window["preference"] = window_preference(user=user, volume=volume)
    return window


def section_display_window(section: Section, user=None) -> dict:
    """The editor's window for ``section``: its own statistics, the default RI window's span,
    its volume's ``auto`` window and ``user``'s saved choice for that volume."""
    return volume_display_window(volume=section.volume, user=user, stats=section.stats)


def z_label(z: int, size_z: int) -> str:
    """“z5 of z0–z9”: z counts from 0 everywhere (pages, API, exports, the files' own index), and
    the range says so, so nobody reads the last section of ten as z10."""
    return f"z{z} of z0–z{size_z - 1}" if size_z > 1 else f"z{z}"


def section_name(specimen: str, time_index: int, z: int, size_z: int) -> str:
    """“specimen · t<time point> · z<z> of z0–z<last>”, from the parts a query can read."""
    return f"{specimen} · t{time_index} · {z_label(z, size_z)}"


def section_label(section: Section) -> str:
    """“specimen · t<time point> · z<z> of z0–z<last>”, how pages name a section."""
    volume = section.volume
    return section_name(section.specimen.name, volume.time_index, section.z, volume.size_z)
