"""Small masks drawn by hand in tests: one string of 0/1 per row."""

from __future__ import annotations

import numpy as np


def bool_grid(*rows: str) -> np.ndarray:
    """``bool_grid("0110", "0000")`` is the 2 x 4 mask with two pixels set in the first row."""
    if len({len(row) for row in rows}) != 1 or set("".join(rows)) - {"0", "1"}:
        raise ValueError(f"rows must be equally long strings of 0 and 1, got {rows}")
    return np.array([[c == "1" for c in row] for row in rows], dtype=bool)
