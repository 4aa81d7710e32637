"""Summaries of many metric values: mean ± sample SD skipping NaN, and JSON-safe numbers."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["aggregate", "finite_or_none"]


def finite_or_none(value: Any) -> float | None:
    """A number that JSON can hold: NaN and infinities become None."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def aggregate(values: Iterable[float], *, ddof: int = 1) -> tuple[float, float]:
    """``(mean, std)`` of the values, skipping NaN (e.g. AUC-PR of nucleus-free sections).

    ``std`` is the sample standard deviation (``ddof=1``) as in "mean ± SD" over folds or cells,
    as ``numpy.std(ddof=1)``: one value has none, so its ``std`` is NaN (JSON null through
    ``finite_or_none``; a display shows the mean alone), never a spread of 0. No finite value
    ⇒ ``(nan, nan)``.
    """
    array = np.asarray(list(values), dtype=np.float64)
    finite = array[~np.isnan(array)]
    if finite.size == 0:
        return math.nan, math.nan
    mean = float(finite.mean())
    if finite.size <= ddof:
        return mean, math.nan
    return mean, float(finite.std(ddof=ddof))
