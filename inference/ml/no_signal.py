"""Frames with no signal: a dropped or blank frame of a time-lapse (all zeros, or one value).

Segmenting one gives nothing true, and a model may answer a constant frame with one
whole-field "nucleus". A section is blank when its finite values span no more than
``BLANK_SPREAD`` of their magnitude (at least ``BLANK_SPREAD`` in absolute terms): a constant
frame up to float rounding, whatever its value. A section of NaNs only is blank too. A volume
whose every section is blank is a time point with no signal: it is not segmented, has no nuclei
and is a gap of the time-lapse, not zero nuclei.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BLANK_SPREAD", "blank_sections"]

BLANK_SPREAD = 1e-6


def _blank(section: np.ndarray) -> bool:
    values = np.asarray(section, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return True
    low, high = float(values.min()), float(values.max())
    return high - low <= BLANK_SPREAD * max(1.0, abs(low), abs(high))


def blank_sections(volume: np.ndarray) -> list[int]:
    """The indices of the sections of a (z, y, x) volume that have no signal, read one
    section at a time (a tomogram need not fit in memory as floats)."""
    return [z for z in range(volume.shape[0]) if _blank(volume[z])]
