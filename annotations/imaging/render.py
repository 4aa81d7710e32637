"""Fast 8-bit rendering of sections to PNG for the browser."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Literal

import numpy as np
from PIL import Image

from .png import encode_png
from .readers import MODALITIES
from .sections import section_stats

__all__ = [
    "DEFAULT_RI_WINDOW",
    "TINTS",
    "Tint",
    "display_window",
    "encode_png",
    "render_overlay_png",
    "render_png",
    "to_uint8",
]

# Medium (~1.334) renders near black and lipid droplets (~1.40) near white, the
# range biologists use in TomoStudio for cells.
DEFAULT_RI_WINDOW: tuple[float, float] = (1.33, 1.40)

Tint = Literal["gray", "green", "blue", "magenta"]
TINTS: dict[str, tuple[float, float, float]] = {
    "gray": (1.0, 1.0, 1.0),
    "green": (0.0, 1.0, 0.0),
    "blue": (0.0, 0.0, 1.0),
    "magenta": (1.0, 0.0, 1.0),
}


_FLOAT32_SAFE = 1e30


def to_uint8(section: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Map ``lo`` -> 0 and ``hi`` -> 255 linearly, clipping outside; NaN becomes 0."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"Display window must be finite numbers; got ({lo}, {hi}).")
    if hi <= lo:
        hi = lo + max(abs(lo) * 1e-6, 1e-12)
    span = hi - lo  # inf only when both ends lie near the float64 limits
    scale = 255.0 / span if math.isfinite(span) else 127.5 / (hi / 2 - lo / 2)
    # float32 is the fast path; a window beyond its range (or so narrow that the scale is) is
    # worked out in float64 instead of overflowing into a black or white image.
    wide = max(abs(lo), abs(hi), scale, 1.0 / scale) > _FLOAT32_SAFE
    dtype = np.float64 if wide else np.float32
    values = np.asarray(section, dtype=dtype)
    scaled = np.subtract(values, dtype(lo), dtype=dtype)
    scaled *= dtype(scale)
    scaled += dtype(0.5)
    np.clip(scaled, 0.0, 255.0, out=scaled)
    np.nan_to_num(scaled, copy=False, nan=0.0)
    return scaled.astype(np.uint8)


def display_window(
    section: np.ndarray,
    *,
    modality: str,
    window: tuple[float, float] | None = None,
    stats: dict[str, float] | None = None,
) -> tuple[float, float]:
    """The (lo, hi) range ``render_png`` would use for this section."""
    if modality not in MODALITIES:
        raise ValueError(f"Unknown modality '{modality}'; choose one of {', '.join(MODALITIES)}.")
    if window is not None:
        lo, hi = (float(v) for v in window)
        return lo, hi
    if modality == "ri":
        return DEFAULT_RI_WINDOW
    stats = stats if stats is not None else section_stats(section)
    lo, hi = stats["p0_5"], stats["p99_5"]
    if hi <= lo:
        lo, hi = stats["min"], stats["max"]
    if hi <= lo:
        hi = lo + 1.0
    return float(lo), float(hi)


def render_png(
    section: np.ndarray,
    *,
    modality: str,
    window: tuple[float, float] | None = None,
    stats: dict[str, float] | None = None,
    tint: Tint = "gray",
    max_size: int | None = None,
) -> bytes:
    """Render a 2D section as PNG bytes.

    RI sections use ``window`` (default ``DEFAULT_RI_WINDOW``) so brightness means
    the same RI in every cell; other modalities stretch the 0.5-99.5 percentile
    range unless a window is given. ``max_size`` caps the longer side (thumbnails).
    """
    section = np.asarray(section)
    if section.ndim == 3 and section.shape[0] == 1:
        section = section[0]
    if section.ndim != 2:
        raise ValueError(f"A section must be 2D (y, x); got shape {section.shape}.")
    lo, hi = display_window(section, modality=modality, window=window, stats=stats)
    weights = _tint_rgb(tint)
    grey = to_uint8(section, lo, hi)
    if max_size is not None:
        grey = np.asarray(_limit_size(Image.fromarray(grey, mode="L"), max_size))
    if tint == "gray":
        return encode_png(grey)
    # A palette image encodes one byte per pixel, as fast as grey, yet displays in colour.
    return encode_png(grey, palette=_palette(weights))


def render_overlay_png(
    label_free_u8: np.ndarray,
    fluorescence_u8: np.ndarray,
    *,
    alpha: float = 0.5,
    tint: Tint = "green",
) -> bytes:
    """Blend a tinted fluorescence section over a grey label-free section.

    Each pixel's opacity is ``alpha`` times its fluorescence brightness, so dark
    background leaves the label-free image untouched.
    """
    base = np.asarray(label_free_u8)
    fl = np.asarray(fluorescence_u8)
    if base.dtype != np.uint8 or fl.dtype != np.uint8:
        raise ValueError("Overlay inputs must be uint8 sections (use to_uint8 first).")
    if base.ndim != 2 or base.shape != fl.shape:
        raise ValueError(
            f"Overlay needs two 2D sections of the same size; got {base.shape} and {fl.shape}."
        )
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be between 0 and 1; got {alpha}.")
    # (grey, fluorescence) byte pairs index a precomputed blend table.
    pair = (base.astype(np.uint16) << 8) | fl
    rgb = np.empty((*base.shape, 3), dtype=np.uint8)
    for i, weight in enumerate(_tint_rgb(tint)):
        np.take(_blend_table(float(alpha), float(weight)), pair, out=rgb[..., i])
    return encode_png(rgb)


@lru_cache(maxsize=32)
def _blend_table(alpha: float, weight: float) -> np.ndarray:
    grey = np.arange(256, dtype=np.float32)[:, None]
    opacity = np.arange(256, dtype=np.float32)[None, :] * np.float32(alpha / 255.0)
    blended = grey + opacity * (np.float32(255.0 * weight) - grey) + np.float32(0.5)
    return blended.astype(np.uint8).ravel()


def _tint_rgb(tint: str) -> tuple[float, float, float]:
    try:
        return TINTS[tint]
    except KeyError:
        raise ValueError(f"Unknown tint '{tint}'; choose one of {', '.join(TINTS)}.") from None


def _palette(weights: tuple[float, float, float]) -> bytes:
    ramp = np.arange(256, dtype=np.float32)
    table = np.stack([np.rint(ramp * w) for w in weights], axis=1).astype(np.uint8)
    return table.tobytes()


def _limit_size(image: Image.Image, max_size: int | None) -> Image.Image:
    if max_size is None:
        return image
    if max_size < 1:
        raise ValueError(f"max_size must be a positive number of pixels; got {max_size}.")
    w, h = image.size
    if max(w, h) <= max_size:
        return image
    factor = max_size / max(w, h)
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
