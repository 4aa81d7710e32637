"""Crowded fields of nuclei as instance maps, several annotators' versions of them, and images.

Nuclei are disks; about half of them are placed touching an earlier one, as in the dense fields
where connected components merge neighbours. Where two disks overlap, each pixel goes to the disk
it lies deeper in (smallest distance / radius), so touching nuclei meet along a clean boundary.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

SECTION_SIZE = 448

Disk = tuple[float, float, float]  # centre row, centre column, radius


def nuclei_disks(
    seed: int,
    *,
    size: int = SECTION_SIZE,
    n_nuclei: int = 30,
    radius: tuple[float, float] = (10.0, 18.0),
    touching: float = 0.5,
) -> list[Disk]:
    """``n_nuclei`` disks inside the section; a ``touching`` fraction leans on an earlier one."""
    rng = np.random.default_rng(seed)
    disks: list[Disk] = []
    attempts = 0
    while len(disks) < n_nuclei and attempts < 200 * n_nuclei:
        attempts += 1
        r = float(rng.uniform(*radius))
        if disks and rng.random() < touching:
            cy, cx, other = disks[int(rng.integers(len(disks)))]
            angle = rng.uniform(0, 2 * np.pi)
            gap = r + other - rng.uniform(0.1, 0.3) * min(r, other)  # a little overlap: touching
            y, x = cy + gap * np.sin(angle), cx + gap * np.cos(angle)
        else:
            y, x = rng.uniform(r + 2, size - r - 2, 2)
        if not (r + 2 <= y <= size - r - 2 and r + 2 <= x <= size - r - 2):
            continue
        # Overlapping a third disk, or more than a sliver of any, would make a blob, not a pair.
        depth = [(r + o) - np.hypot(y - oy, x - ox) for oy, ox, o in disks]
        deep = [d > 0.35 * min(r, o) for d, (_, _, o) in zip(depth, disks)]
        if sum(d > 0 for d in depth) > 1 or any(deep):
            continue
        disks.append((float(y), float(x), r))
    return disks


def paint_disks(disks: list[Disk], size: int = SECTION_SIZE) -> np.ndarray:
    """Instance map (uint16) of ``disks``; disk k is instance k + 1."""
    instances = np.zeros((size, size), dtype=np.uint16)
    depth = np.full((size, size), np.inf, dtype=np.float32)
    for number, (cy, cx, r) in enumerate(disks, start=1):
        top, left = max(int(cy - r) - 1, 0), max(int(cx - r) - 1, 0)
        bottom, right = min(int(cy + r) + 2, size), min(int(cx + r) + 2, size)
        yy, xx = np.mgrid[top:bottom, left:right]
        relative = (np.hypot(yy + 0.5 - cy, xx + 0.5 - cx) / r).astype(np.float32)
        window = (slice(top, bottom), slice(left, right))
        wins = (relative <= 1.0) & (relative < depth[window])
        instances[window][wins] = number
        depth[window][wins] = relative[wins]
    return instances


def nuclei_field(seed: int, *, size: int = SECTION_SIZE, n_nuclei: int = 30) -> np.ndarray:
    """Instance map of one crowded field of ``n_nuclei`` nuclei (see :func:`nuclei_disks`)."""
    return paint_disks(nuclei_disks(seed, size=size, n_nuclei=n_nuclei), size)


def annotator_instances(
    seed: int, n_annotators: int = 3, *, size: int = SECTION_SIZE, n_nuclei: int = 30
) -> list[np.ndarray]:
    """Each annotator's instance map of one field: every nucleus jittered in centre and radius
    (sd 1 px), numbered in a different order per annotator as drawing order would."""
    rng = np.random.default_rng(seed + 1_000_003)
    disks = nuclei_disks(seed, size=size, n_nuclei=n_nuclei)
    maps = []
    for _ in range(n_annotators):
        jittered = [
            (y + rng.normal(0, 1), x + rng.normal(0, 1), max(r + rng.normal(0, 1), 3.0))
            for y, x, r in disks
        ]
        order = rng.permutation(len(jittered))
        maps.append(paint_disks([jittered[i] for i in order], size))
    return maps


def nuclei_image(instances: np.ndarray, seed: int, *, noise: float = 0.08) -> np.ndarray:
    """A float32 micrograph of the nuclei: each one a little brighter or darker than the
    next, blurred as optics would, plus noise. Touching nuclei show no dark line between them,
    so only their shape tells them apart."""
    rng = np.random.default_rng(seed)
    brightness = np.concatenate([[0.0], rng.uniform(0.7, 1.0, int(instances.max()))])
    image = ndi.gaussian_filter(brightness[instances].astype(np.float32), 1.0)
    return image + rng.normal(0, noise, instances.shape).astype(np.float32)


def nuclei_samples(
    seeds: range | list[int],
    *,
    size: int = 64,
    n_nuclei: int = 6,
    radius: tuple[float, float] = (6.0, 10.0),
    touching: float = 0.6,
) -> tuple[np.ndarray, np.ndarray]:
    """Small crowded fields for training: images (N, 1, size, size) float32 and their instance
    maps (N, size, size) uint16, one per seed."""
    fields = [
        paint_disks(
            nuclei_disks(seed, size=size, n_nuclei=n_nuclei, radius=radius, touching=touching),
            size,
        )
        for seed in seeds
    ]
    images = [nuclei_image(field, seed) for field, seed in zip(fields, seeds)]
    return np.stack(images)[:, None], np.stack(fields)
