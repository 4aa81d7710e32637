"""Statistics and resizing of 2D sections cut from a volume."""

from __future__ import annotations

import math

import numpy as np
from skimage.transform import resize

__all__ = ["resize_mask", "resize_section", "section_stats"]

# Percentiles of a 2D section are stable well below this many samples; a strided
# subsample keeps stats of large sections at a fraction of a millisecond.
_MAX_PERCENTILE_SAMPLES = 1 << 16
_PERCENTILES = {"p0_5": 0.5, "p1": 1.0, "p99": 99.0, "p99_5": 99.5}


def section_stats(section: np.ndarray) -> dict[str, float]:
    """min, max, mean and the 0.5/1/99/99.5 percentiles of a section, ignoring NaN/inf."""
    values = np.asarray(section)
    if values.size == 0:
        raise ValueError("Cannot compute statistics of an empty section.")
    lo, hi = float(values.min()), float(values.max())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        values = values[np.isfinite(values)]
        if values.size == 0:
            raise ValueError("The section contains no finite values.")
        lo, hi = float(values.min()), float(values.max())
    sample = _subsample(values)
    qs = np.percentile(sample, list(_PERCENTILES.values()))
    stats = {"min": lo, "max": hi, "mean": float(values.mean(dtype=np.float64))}
    stats.update({key: float(q) for key, q in zip(_PERCENTILES, qs)})
    return stats


def _subsample(values: np.ndarray) -> np.ndarray:
    if values.size <= _MAX_PERCENTILE_SAMPLES:
        return values.ravel()
    if values.ndim == 2:
        step = math.ceil(math.sqrt(values.size / _MAX_PERCENTILE_SAMPLES))
        return values[::step, ::step].ravel()
    step = math.ceil(values.size / _MAX_PERCENTILE_SAMPLES)
    return values.ravel()[::step]


def _target_shape(size: int | tuple[int, int]) -> tuple[int, int]:
    shape = (size, size) if isinstance(size, int | np.integer) else tuple(size)
    if len(shape) != 2 or not all(int(n) > 0 for n in shape):
        raise ValueError(f"Target size must be a positive int or (height, width); got {size!r}.")
    return int(shape[0]), int(shape[1])


def resize_section(
    section: np.ndarray, size: int | tuple[int, int], *, order: int = 1
) -> np.ndarray:
    """Resize a 2D section to ``size`` (int for square, or (height, width)), keeping values.

    Shrinking is anti-aliased so fine texture does not alias into artefacts.
    Floating-point input keeps its dtype; integer input becomes float32.
    """
    section = np.asarray(section)
    if section.ndim != 2:
        raise ValueError(f"A section must be 2D (y, x); got shape {section.shape}.")
    shape = _target_shape(size)
    if shape == section.shape:
        return section.copy()
    shrinking = shape[0] < section.shape[0] or shape[1] < section.shape[1]
    out_dtype = section.dtype if section.dtype.kind == "f" else np.dtype(np.float32)
    resized = resize(
        section.astype(np.float32, copy=False),
        shape,
        order=order,
        mode="reflect",
        preserve_range=True,
        anti_aliasing=shrinking,
    )
    return resized.astype(out_dtype, copy=False)


def resize_mask(mask: np.ndarray, shape: int | tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize of a 2D mask to ``shape``; returns bool.

    Each output pixel takes the input pixel under its centre, so the mask stays
    binary and aligned with ``resize_section`` output.
    """
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"A mask must be 2D (y, x); got shape {mask.shape}.")
    out_h, out_w = _target_shape(shape)
    in_h, in_w = mask.shape
    rows = np.minimum(((np.arange(out_h) + 0.5) * (in_h / out_h)).astype(np.intp), in_h - 1)
    cols = np.minimum(((np.arange(out_w) + 0.5) * (in_w / out_w)).astype(np.intp), in_w - 1)
    return mask.astype(bool, copy=False)[rows[:, None], cols[None, :]]
