"""Cell geometry: irregular ellipsoids for the cell, its nuclei, nucleoli and lipid droplets."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Ellipsoid:
    center: tuple[float, float, float]  # (z, y, x) um
    radii: tuple[float, float, float]  # (z, y, x) um
    angle: float  # rotation in the xy plane, radians


class Grid:
    """Voxel-centre coordinates in micrometres, centred on the volume."""

    def __init__(self, shape: tuple[int, ...], voxel: Sequence[float]) -> None:
        self.shape = tuple(shape)
        self.voxel = tuple(voxel)
        axes = [
            ((np.arange(n, dtype=np.float32) - (n - 1) / 2) * np.float32(v))
            for n, v in zip(shape, voxel)
        ]
        self.coords = np.ix_(*axes)
        self.extent = tuple(n * v for n, v in zip(shape, voxel))

    def level(self, e: Ellipsoid) -> np.ndarray:
        """Normalised ellipsoid distance: < 1 inside."""
        *lead, y, x = self.coords
        cz, cy, cx = e.center if len(lead) else (0.0, *e.center[1:])
        rz, ry, rx = e.radii
        cos, sin = np.float32(math.cos(e.angle)), np.float32(math.sin(e.angle))
        dy, dx = y - np.float32(cy), x - np.float32(cx)
        u = (dx * cos + dy * sin) / np.float32(rx)
        v = (dy * cos - dx * sin) / np.float32(ry)
        out = u * u + v * v
        if lead:
            w = (lead[0] - np.float32(cz)) / np.float32(rz)
            out = out + w * w
        return out.astype(np.float32, copy=False)


def check_shape(shape: Sequence[int], ndim: int) -> tuple[int, ...]:
    out = tuple(int(n) for n in shape)
    if len(out) != ndim:
        raise ValueError(f"shape must have {ndim} dimensions; got {tuple(shape)}.")
    if out[-1] < 32 or out[-2] < 32 or (ndim == 3 and out[0] < 8):
        raise ValueError(f"shape {out} is too small for a cell; use at least 8 x 32 x 32.")
    return out


def cell_ellipsoid(grid: Grid, rng: np.random.Generator) -> Ellipsoid:
    ez, ey, ex = grid.extent
    return Ellipsoid(
        center=(
            float(rng.uniform(-0.03, 0.03) * ez),
            float(rng.uniform(-0.03, 0.03) * ey),
            float(rng.uniform(-0.03, 0.03) * ex),
        ),
        radii=(
            float(rng.uniform(0.32, 0.35) * ez),
            float(rng.uniform(0.30, 0.34) * ey),
            float(rng.uniform(0.32, 0.36) * ex),
        ),
        angle=float(rng.uniform(0, math.pi)),
    )


def scaled(e: Ellipsoid, factor: float) -> Ellipsoid:
    return Ellipsoid(e.center, tuple(r * factor for r in e.radii), e.angle)  # type: ignore[arg-type]


def nucleus_ellipsoids(
    cell: Ellipsoid, rng: np.random.Generator, n: int, time_point: int, growth: float
) -> list[Ellipsoid]:
    # Nuclei cover ~15-25 % of the cell's central section in total.
    scale = float(rng.uniform(0.43, 0.49)) / math.sqrt(n)
    drift_angle = float(rng.uniform(0, 2 * math.pi))
    offsets = _nucleus_offsets(rng, n)
    cz, cy, cx = cell.center
    rz, ry, rx = cell.radii
    cos, sin = math.cos(cell.angle), math.sin(cell.angle)
    drift = 0.04 * min(ry, rx) * min(time_point, 5)
    nuclei = []
    for ou, ov in offsets:
        u, v = ou * rx, ov * ry
        center = (
            cz - 0.05 * rz,
            cy + u * sin + v * cos + drift * math.sin(drift_angle),
            cx + u * cos - v * sin + drift * math.cos(drift_angle),
        )
        radii = (
            0.62 * rz * (1 + growth) / n ** (1 / 6),
            ry * scale * float(rng.uniform(0.85, 1.0)) * (1 + growth),
            rx * scale * float(rng.uniform(0.95, 1.1)) * (1 + growth),
        )
        nuclei.append(Ellipsoid(center, radii, cell.angle + float(rng.uniform(-0.4, 0.4))))
    return nuclei


def _nucleus_offsets(rng: np.random.Generator, n: int) -> list[tuple[float, float]]:
    if n == 1:
        return [(float(rng.uniform(-0.15, 0.15)), float(rng.uniform(-0.12, 0.12)))]
    start = float(rng.uniform(0, 2 * math.pi))
    radius = 0.36 if n == 2 else 0.4
    return [
        (
            radius * math.cos(start + 2 * math.pi * k / n),
            radius * math.sin(start + 2 * math.pi * k / n),
        )
        for k in range(n)
    ]


def separated_level(levels: Sequence[np.ndarray]) -> np.ndarray:
    """Minimum of the nuclei's levels, with a groove where two nuclei would touch."""
    if len(levels) == 1:
        return levels[0]
    stacked = np.sort(np.stack(levels), axis=0)
    nearest, second = stacked[0], stacked[1]
    # Neighbouring nuclei stay separate objects, as adjacent nuclei are in real cells.
    return np.where(second - nearest < 0.35, np.maximum(nearest, 1.5), nearest)


def place_nucleoli(grid: Grid, rng: np.random.Generator, nuclei: Sequence[Ellipsoid]) -> np.ndarray:
    out = np.zeros(grid.shape, dtype=bool)
    for nucleus in nuclei:
        for _ in range(int(rng.integers(1, 4))):
            direction = rng.normal(size=3)
            direction /= np.linalg.norm(direction) + 1e-9
            reach = float(rng.uniform(0.0, 0.45))
            center = tuple(
                c + reach * d * r for c, d, r in zip(nucleus.center, direction, nucleus.radii)
            )
            size = float(rng.uniform(0.18, 0.28)) * min(nucleus.radii[1:])
            radii = (
                max(size * 0.9, nucleus.radii[0] * 0.3),
                size,
                size * float(rng.uniform(0.8, 1.3)),
            )
            out |= grid.level(Ellipsoid(center, radii, float(rng.uniform(0, math.pi)))) < 1.0  # type: ignore[arg-type]
    return out


def lipid_droplets(
    grid: Grid,
    rng: np.random.Generator,
    cell: Ellipsoid,
    nuclei: Sequence[Ellipsoid],
    shape: tuple[int, ...],
) -> np.ndarray:
    out = np.zeros(shape, dtype=bool)
    count = int(rng.integers(4, 10))
    placed = 0
    for _ in range(count * 20):
        if placed == count:
            break
        u, v, w = rng.uniform(-0.75, 0.75, 3)
        if u * u + v * v + w * w > 0.75**2:
            continue
        cz, cy, cx = cell.center
        rz, ry, rx = cell.radii
        cos, sin = math.cos(cell.angle), math.sin(cell.angle)
        point = (cz + w * rz, cy + u * rx * sin + v * ry * cos, cx + u * rx * cos - v * ry * sin)
        if any(_inside(point, scaled(n, 1.2)) for n in nuclei):
            continue
        radius = float(rng.uniform(0.22, 0.40))
        radii = (max(radius, 1.2 * grid.voxel[0]), radius, radius)
        out |= grid.level(Ellipsoid(point, radii, 0.0)) < 1.0  # type: ignore[arg-type]
        placed += 1
    return out


def _inside(point: Sequence[float], e: Ellipsoid) -> bool:
    dz, dy, dx = (p - c for p, c in zip(point, e.center))
    cos, sin = math.cos(e.angle), math.sin(e.angle)
    u = (dx * cos + dy * sin) / e.radii[2]
    v = (dy * cos - dx * sin) / e.radii[1]
    w = dz / e.radii[0]
    return u * u + v * v + w * w < 1.0
