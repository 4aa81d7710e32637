"""Messy widefield nucleus fields with their true instances, for the split tests and
bench/split_crowded.py (the demo's round, mostly separate nuclei are not these):

- ``elongated_field``: elliptical nuclei (aspect 1.5-3, 3x spread in length) at random angles,
  most overlapping a neighbour, as elongated nuclei lie in a confluent culture; a stained overlap
  is brighter (widefield sums the two);
- ``pressed_field``: nuclei pressed flat against each other (a power diagram of disks of radius
  spread 3x, so neighbours share straight boundaries with no neck), each brightest in its centre
  and dimmer at its boundary, as chromatin stain is;
- both: nuclei cut by the border, a 3x brightness spread, out-of-focus haze, Poisson and camera
  noise, 12-bit counts.

``instances`` are the true nuclei (an overlap belongs to the nucleus it is deeper inside);
``stain`` the Hoechst-like image. The mask a split sees is ``instances > 0``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi


@dataclass(frozen=True)
class CrowdedField:
    instances: np.ndarray  # int32 (y, x), 0 = background
    stain: np.ndarray  # float32 counts

    @property
    def mask(self) -> np.ndarray:
        return self.instances > 0

    @property
    def count(self) -> int:
        return int(self.instances.max())


def _camera(signal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``signal`` (relative brightness) with chromatin texture (+-15 %, 1.5 px grain), blurred,
    as 12-bit widefield counts with haze and noise."""
    grain = ndi.gaussian_filter(rng.normal(size=signal.shape), 1.5)
    signal = signal * (1 + 0.15 * grain / grain.std())
    stain = ndi.gaussian_filter(signal, 1.2) * 900.0
    stain += 0.2 * ndi.gaussian_filter(signal, 12) * 900.0  # out-of-focus haze
    counts = rng.poisson(150.0 + stain) + rng.normal(0, 8, signal.shape)
    return np.clip(np.round(counts), 0, 4095).astype(np.float32)


def elongated_field(
    shape: tuple[int, int] = (256, 320), *, nuclei: int = 40, scale: float = 1.0, seed: int = 0
) -> CrowdedField:
    """``nuclei`` ellipses (semi-minor 6-10 px times ``scale``, semi-major 1.5-3.5 times that),
    three in four beside an earlier one, overlapping at most a fifth of their area, centres
    anywhere (some cut by the border). No ellipse's centre lies inside another."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[: shape[0], : shape[1]].astype(np.float64)
    placed: list[tuple[float, float, float, float, float]] = []
    depth = np.full(shape, np.inf)  # the normalised radius of the nucleus that owns a pixel
    instances = np.zeros(shape, dtype=np.int32)
    signal = np.zeros(shape)
    tries = 0
    while len(placed) < nuclei and tries < 200 * nuclei:
        tries += 1
        minor = rng.uniform(6, 10) * scale
        major = minor * rng.uniform(1.5, 3.5)
        angle = rng.uniform(0, np.pi)
        if placed and rng.random() < 0.75:
            cy, cx, mj, mn, _ = placed[int(rng.integers(len(placed)))]
            direction = rng.uniform(0, 2 * np.pi)
            reach = (mn + minor) * rng.uniform(1.0, 1.6)
            y, x = cy + reach * np.sin(direction), cx + reach * np.cos(direction)
        else:
            y, x = rng.uniform(0, shape[0]), rng.uniform(0, shape[1])
        if not (0 <= y < shape[0] and 0 <= x < shape[1]):
            continue
        u = (xx - x) * np.cos(angle) + (yy - y) * np.sin(angle)
        v = -(xx - x) * np.sin(angle) + (yy - y) * np.cos(angle)
        rho = np.sqrt((u / major) ** 2 + (v / minor) ** 2)
        inside = rho < 1
        if (instances[inside] > 0).mean() > 0.2 or instances[int(y), int(x)] > 0:
            continue
        if any(_rho_at(p, y, x) < 1 for p in placed):
            continue
        placed.append((y, x, major, minor, angle))
        brightness = rng.uniform(0.6, 1.8)
        signal[inside] += brightness * (1 - 0.4 * rho[inside] ** 2)
        own = inside & (rho < depth)
        depth[own] = rho[own]
        instances[own] = len(placed)
    return CrowdedField(_renumbered(instances, 20 * scale**2), _camera(signal, rng))


def _rho_at(ellipse, y: float, x: float) -> float:
    cy, cx, major, minor, angle = ellipse
    u = (x - cx) * np.cos(angle) + (y - cy) * np.sin(angle)
    v = -(x - cx) * np.sin(angle) + (y - cy) * np.cos(angle)
    return float(np.hypot(u / major, v / minor))


def pressed_field(
    shape: tuple[int, int] = (256, 320),
    *,
    coverage: float = 0.7,
    scale: float = 1.0,
    closest: float = 0.65,
    seed: int = 0,
) -> CrowdedField:
    """Disks of radius 6-18 px times ``scale`` placed until ``coverage`` of the field is
    nucleus, centres at least ``closest`` times their summed radii apart; every pixel goes to the
    disk of the lowest power (squared distance minus squared radius), so pressed neighbours share
    a straight boundary: at 0.65 it spans four fifths of the smaller one's width, nearly no neck.
    Brightness: 1 in a nucleus's centre, half at its boundary."""
    rng = np.random.default_rng(seed)
    centres: list[tuple[float, float, float]] = []
    power = np.full(shape, np.inf)
    instances = np.zeros(shape, dtype=np.int32)
    covered, tries = 0, 0
    while covered < coverage * instances.size and tries < 20000:
        tries += 1
        r = rng.uniform(6, 18) * scale
        y, x = rng.uniform(-r / 2, shape[0] + r / 2), rng.uniform(-r / 2, shape[1] + r / 2)
        if any(np.hypot(y - cy, x - cx) < closest * (r + cr) for cy, cx, cr in centres):
            continue
        centres.append((y, x, r))
        box = tuple(
            slice(max(int(c - r) - 1, 0), min(int(c + r) + 2, n)) for c, n in zip((y, x), shape)
        )
        yy, xx = np.mgrid[box].astype(np.float64)
        p = (yy - y) ** 2 + (xx - x) ** 2 - r**2
        own = (p < 0) & (p < power[box])
        covered += int((own & (instances[box] == 0)).sum())
        power[box][own] = p[own]
        instances[box][own] = len(centres)
    instances = _renumbered(_largest_pieces(instances), 20 * scale**2)
    signal = np.zeros(shape)
    for number, box in enumerate(ndi.find_objects(instances), start=1):
        nucleus = np.pad(instances[box] == number, 1)
        inward = ndi.distance_transform_edt(nucleus)[1:-1, 1:-1]
        profile = 1 - 0.5 * np.exp(-(inward - 1) / 2.5)
        signal[box] += np.where(nucleus[1:-1, 1:-1], rng.uniform(0.6, 1.8) * profile, 0)
    return CrowdedField(instances, _camera(signal, rng))


def _largest_pieces(instances: np.ndarray) -> np.ndarray:
    """Each nucleus's largest 8-connected piece (a power cell can leave a sliver)."""
    out = np.zeros_like(instances)
    for number, box in enumerate(ndi.find_objects(instances), start=1):
        if box is None:
            continue
        pieces, count = ndi.label(instances[box] == number, structure=np.ones((3, 3)))
        if count:
            biggest = 1 + int(np.argmax(np.bincount(pieces.ravel())[1:]))
            out[box][pieces == biggest] = number
    return out


def _renumbered(instances: np.ndarray, smallest: float) -> np.ndarray:
    """Ids 1..N, nuclei under ``smallest`` px dropped (a sliver the border or a neighbour left)."""
    sizes = np.bincount(instances.ravel())
    keep = np.flatnonzero(sizes >= smallest)
    keep = keep[keep > 0]
    table = np.zeros(sizes.size, dtype=np.int32)
    table[keep] = np.arange(1, keep.size + 1, dtype=np.int32)
    return table[instances]
