"""Small masks for tests: drawn by hand (one string of 0/1 per row) or fixed shapes."""

from __future__ import annotations

import numpy as np


def bool_grid(*rows: str) -> np.ndarray:
    """``bool_grid("0110", "0000")`` is the 2 x 4 mask with two pixels set in the first row."""
    if len({len(row) for row in rows}) != 1 or set("".join(rows)) - {"0", "1"}:
        raise ValueError(f"rows must be equally long strings of 0 and 1, got {rows}")
    return np.array([[c == "1" for c in row] for row in rows], dtype=bool)


def touching_disks() -> np.ndarray:
    """A 40 x 60 label image of two disks of radius 10, nuclei 1 and 2, that overlap (touch)."""
    yy, xx = np.mgrid[:40, :60]
    labels = np.zeros((40, 60), dtype=np.int32)
    labels[(yy - 20) ** 2 + (xx - 20) ** 2 <= 100] = 1
    labels[(yy - 20) ** 2 + (xx - 37) ** 2 <= 100] = 2  # overlaps disk 1: they touch
    return labels
