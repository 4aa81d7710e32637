"""Splitting touching nuclei (``label_instances(split_touching=True)``): seeds from the h-maxima
of each component's own box against the h-maxima of the whole distance map, in one process.

    python bench/split_touching.py [--repeat 3]

The volume: 40 × 448 × 448 voxels, z twice the xy pitch (as an evaluation normalises it), h = 2
pixels (``WATERSHED_H``); ellipsoidal nuclei of radius 10-18 pixels, most leaning on an earlier
one, and single-voxel specks as a thresholded prediction has. The sections: the crowded 448 × 448
field of ``bench/evaluation_split.py`` (40 disks, most touching). Both ways give the same labels,
voxel for voxel (checked here before timing).

- ``split_bench_nuclei``, ``split_bench_components``: ellipsoids placed, connected components;
- ``split_volume_whole_s`` / ``split_volume_per_component_s``: median wall time of the split,
  seeds from the whole distance map / per component, and ``split_volume_speedup`` (whole ÷ per
  component);
- ``split_seeds_whole_s`` / ``split_seeds_per_component_s`` / ``split_seeds_speedup``: the seeds
  alone (the h-maxima of the distance map the split computes once);
- ``split_section_whole_ms`` / ``split_section_per_component_ms`` / ``split_section_speedup``:
  the same for one 2D section.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, ensure_malloc_env, figure

ensure_malloc_env()

sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
from scipy import ndimage as ndi  # noqa: E402
from skimage.morphology import h_maxima  # noqa: E402

from annotations.demo.nuclei import nuclei_disks, paint_disks  # noqa: E402
from inference.ml.objects import label_instances  # noqa: E402
from inference.ml.objects.labels import _h_maxima_seeds  # noqa: E402

SHAPE = (40, 448, 448)
SPACING = (2.0, 1.0, 1.0)
H = 2.0
N_NUCLEI = 260
SEED = 5


def crowded_volume(rng: np.random.Generator) -> np.ndarray:
    """Ellipsoids (radius 10-18 pixels, half that in sections) inside the volume, three in four
    leaning on an earlier one with a little overlap (never on two, as ``nuclei_disks`` places
    disks), and 0.02 % single-voxel specks."""
    scale = np.asarray(SPACING)
    extent = np.asarray(SHAPE) * scale
    centres: list[np.ndarray] = []
    radii: list[float] = []
    while len(centres) < N_NUCLEI:
        r = float(rng.uniform(10.0, 18.0))
        if centres and rng.random() < 0.75:
            k = int(rng.integers(len(centres)))
            direction = rng.normal(size=3)
            direction /= np.linalg.norm(direction)
            centre = centres[k] + direction * (r + radii[k]) * rng.uniform(0.75, 0.9)
        else:
            centre = rng.uniform(0, 1, 3) * extent
        overlap = [r + o - np.linalg.norm(centre - c) for c, o in zip(centres, radii)]
        if np.all((centre >= 0) & (centre < extent)) and sum(d > 0 for d in overlap) <= 1:
            centres.append(centre)
            radii.append(r)
    mask = np.zeros(SHAPE, dtype=bool)
    for centre, r in zip(centres, radii):
        low = np.maximum(np.floor((centre - r) / scale).astype(int), 0)
        high = np.minimum(np.ceil((centre + r) / scale).astype(int) + 1, SHAPE)
        grid = np.ogrid[tuple(slice(a, b) for a, b in zip(low, high))]
        inside = sum(((g - c / s) * s) ** 2 for g, c, s in zip(grid, centre, scale)) <= r * r
        mask[tuple(slice(a, b) for a, b in zip(low, high))] |= inside
    return mask | (rng.random(SHAPE) < 0.0002)


def whole_volume_seeds(distance: np.ndarray, binary: np.ndarray, h: float) -> np.ndarray:
    return h_maxima(distance, h)


def split(mask: np.ndarray, spacing=None, *, whole: bool) -> np.ndarray:
    if not whole:
        return label_instances(mask, split_touching=True, h=H, spacing=spacing)
    with mock.patch("inference.ml.objects.labels._h_maxima_seeds", whole_volume_seeds):
        return label_instances(mask, split_touching=True, h=H, spacing=spacing)


def compare(name: str, ways: dict[bool, Callable[[], np.ndarray]], repeat: int, unit: str) -> None:
    """Check both ways give the same result, then time them alternately: medians and ratio."""
    if not np.array_equal(ways[True](), ways[False]()):
        raise SystemExit(f"{name}: per component differs from the whole volume")
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(repeat):
        for whole, way in ways.items():
            start = time.perf_counter()
            way()
            times[whole].append(time.perf_counter() - start)
    whole, per_component = (statistics.median(times[w]) for w in (True, False))
    factor = 1.0 if unit == "s" else 1000.0
    figure(f"split_{name}_whole_{unit}", whole * factor, unit)
    figure(f"split_{name}_per_component_{unit}", per_component * factor, unit)
    figure(f"split_{name}_speedup", whole / per_component, "x")


def splits(mask: np.ndarray, spacing) -> dict[bool, Callable[[], np.ndarray]]:
    return {whole: functools.partial(split, mask, spacing, whole=whole) for whole in (True, False)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    volume = crowded_volume(np.random.default_rng(SEED))
    figure("split_bench_nuclei", N_NUCLEI, "")
    figure("split_bench_components", ndi.label(volume, np.ones((3, 3, 3)))[1], "")
    compare("volume", splits(volume, SPACING), args.repeat, "s")
    distance = ndi.distance_transform_edt(volume, sampling=SPACING)
    seeds = {
        True: lambda: whole_volume_seeds(distance, volume, H) != 0,
        False: lambda: _h_maxima_seeds(distance, volume, H),
    }
    compare("seeds", seeds, args.repeat, "s")
    section = paint_disks(nuclei_disks(3, n_nuclei=40, touching=0.9)) > 0
    compare("section", splits(section, None), max(args.repeat, 9), "ms")


if __name__ == "__main__":
    main()
