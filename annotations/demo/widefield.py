"""Widefield Hoechst fields as a phase-contrast microscope's camera gives them, with the nuclei
they were drawn from (docs/fluorescence.md, "Uneven background" and "A saturated nucleus").

A field is 1040 × 1392 px (a 1.4-megapixel sensor). Its interphase nuclei are ellipses of about
150 counts above a background that brightens ``gradient`` times from one corner to the other;
``mitotic`` of them are ``mitotic_gain`` times brighter and, ``condensed``, smaller; the
stain is blurred by the optics, with an out-of-focus ``haze`` (a wide blur of the nuclei),
Poisson and read noise, and hot pixels at the camera's full scale. A ``crowded`` field packs its
nuclei as pressed polygons (the cells of a jittered grid, each cut to an ellipse) over about
70 % of the field. ``full_scale`` is the file's full scale (4095: 12-bit, 65535: 16-bit) and
``ceiling`` the count where the camera saturates (the full scale unless given): what the stain
reaches beyond it is clipped to a plateau. ``debris`` bright blobs of dust, smaller than a
nucleus, may be added. Plain NumPy/SciPy: benchmarks and tests use it directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

__all__ = ["FIELD_SHAPE", "WidefieldField", "widefield_field"]

FIELD_SHAPE = (1040, 1392)
_LEVEL = 150.0  # counts of an interphase nucleus (and of the background's dark corner), 12-bit


@dataclass(frozen=True)
class WidefieldField:
    """The stain as imaged, every drawn nucleus (instance ids) and those the border does not
    cut (the known nuclei a derived mask is scored against)."""

    stain: np.ndarray
    nuclei: np.ndarray
    known: np.ndarray


def _sparse(rng: np.random.Generator, n: int, radius: float) -> list[tuple[float, ...]]:
    """``n`` ellipses (row, column, semi-axes, angle) that do not overlap."""
    placed: list[tuple[float, ...]] = []
    while len(placed) < n:
        r = radius * rng.uniform(0.8, 1.2)
        row, col = rng.uniform(r, FIELD_SHAPE[0] - r), rng.uniform(r, FIELD_SHAPE[1] - r)
        if all(np.hypot(row - p[0], col - p[1]) > r + p[2] + 2 for p in placed):
            placed.append((row, col, r, r * rng.uniform(0.75, 1.0), rng.uniform(0, np.pi)))
    return placed


def _crowded(rng: np.random.Generator) -> list[tuple[float, ...]]:
    """221 nuclei on a jittered 13 × 17 grid, large enough to press against each other."""
    rows, cols = 13, 17
    step_y, step_x = FIELD_SHAPE[0] / rows, FIELD_SHAPE[1] / cols
    placed = []
    for i in range(rows):
        for j in range(cols):
            row = (i + 0.5) * step_y + rng.uniform(-0.15, 0.15) * step_y
            col = (j + 0.5) * step_x + rng.uniform(-0.15, 0.15) * step_x
            r = 0.52 * step_y * rng.uniform(0.9, 1.1)
            placed.append((row, col, r, r * rng.uniform(0.8, 1.0), rng.uniform(0, np.pi)))
    return placed


def _paint(ellipses: list[tuple[float, ...]]) -> np.ndarray:
    """Instance map: each pixel goes to the ellipse it lies deepest in (pressed polygons where
    ellipses overlap), with a 1 px seam between touching nuclei."""
    yy, xx = np.mgrid[: FIELD_SHAPE[0], : FIELD_SHAPE[1]]
    depth = np.full(FIELD_SHAPE, np.inf)
    labels = np.zeros(FIELD_SHAPE, dtype=np.int32)
    for k, (row, col, a, b, angle) in enumerate(ellipses, start=1):
        top, bottom = int(max(row - a - 1, 0)), int(min(row + a + 2, FIELD_SHAPE[0]))
        left, right = int(max(col - a - 1, 0)), int(min(col + a + 2, FIELD_SHAPE[1]))
        dy, dx = yy[top:bottom, left:right] - row, xx[top:bottom, left:right] - col
        u = dy * np.cos(angle) + dx * np.sin(angle)
        v = -dy * np.sin(angle) + dx * np.cos(angle)
        d = np.hypot(u / a, v / b)
        inside = (d < 1.0) & (d < depth[top:bottom, left:right])
        depth[top:bottom, left:right][inside] = d[inside]
        labels[top:bottom, left:right][inside] = k
    seam = (ndi.grey_dilation(labels, size=3) != labels) & (labels > 0)
    seam &= ndi.grey_erosion(np.where(labels > 0, labels, labels.max() + 1), size=3) != labels
    labels[seam] = 0
    return labels


def widefield_field(
    *,
    n_nuclei: int = 120,
    crowded: bool = False,
    gradient: float = 3.0,
    haze: float = 0.25,
    mitotic: int = 5,
    mitotic_gain: float = 20.0,
    condensed: bool = True,
    gain: float = 1.0,
    full_scale: float = 4095.0,
    ceiling: float | None = None,
    debris: int = 0,
    seed: int = 0,
) -> WidefieldField:
    """One field (module docstring); ``gain`` scales every count (a 16-bit camera's range)."""
    rng = np.random.default_rng(seed)
    ellipses = _crowded(rng) if crowded else _sparse(rng, n_nuclei, 16.0)
    bright = set(rng.choice(len(ellipses), size=min(mitotic, len(ellipses)), replace=False))
    for k in bright if condensed else ():
        row, col, a, b, angle = ellipses[k]
        ellipses[k] = (row, col, 0.6 * min(a, 20.0), 0.45 * min(a, 20.0), angle)
    nuclei = _paint(ellipses)
    level = np.zeros(len(ellipses) + 1)
    level[1:] = rng.uniform(0.7, 1.3, len(ellipses))
    level[[k + 1 for k in bright]] = mitotic_gain
    texture = 1.0 + 0.15 * ndi.gaussian_filter(rng.normal(0, 1, FIELD_SHAPE), 2.0) * 4.0
    brightness = level[nuclei] * texture * (nuclei > 0)
    for _ in range(debris):
        row, col = rng.uniform(0, FIELD_SHAPE[0]), rng.uniform(0, FIELD_SHAPE[1])
        yy, xx = np.ogrid[: FIELD_SHAPE[0], : FIELD_SHAPE[1]]
        brightness[(yy - row) ** 2 + (xx - col) ** 2 < rng.uniform(2.0, 4.0) ** 2] = 40.0
    yy, xx = np.mgrid[: FIELD_SHAPE[0], : FIELD_SHAPE[1]]
    ramp = (xx / (FIELD_SHAPE[1] - 1) + yy / (FIELD_SHAPE[0] - 1)) / 2
    background = _LEVEL * (1 + (gradient - 1) * ramp)
    stain = ndi.gaussian_filter(brightness, 1.5) * _LEVEL
    if haze:
        stain += haze * ndi.gaussian_filter(brightness, 12.0) * _LEVEL
    counts = (rng.poisson(background + stain) + rng.normal(0, 8, FIELD_SHAPE)) * gain
    top = full_scale if ceiling is None else ceiling
    counts = np.clip(np.round(counts), 0, top)
    counts[rng.integers(0, FIELD_SHAPE[0], 40), rng.integers(0, FIELD_SHAPE[1], 40)] = top
    border = np.unique(np.concatenate([nuclei[0], nuclei[-1], nuclei[:, 0], nuclei[:, -1]]))
    known = (nuclei > 0) & ~np.isin(nuclei, border)
    dtype = np.uint16 if full_scale > 255 else np.uint8
    return WidefieldField(counts.astype(dtype), nuclei, known)
