"""The nuclei table of a prediction: per nucleus of an instance label image, volume (µm³),
marching-cubes surface (µm²), sphericity, mean RI, concentration and dry mass (paper 001).

Definitions:

- volume = voxel count × voxel volume; surface = area of the marching-cubes mesh
  (``quantities.surface_area_um2``);
- sphericity = π^(1/3) (6 V)^(2/3) / A (Wadell): 1 for a sphere, less for anything else, with
  V and A both of the surface mesh, so a small nucleus the smoothing shrinks stays at or
  below 1;
- concentration = (mean RI − n0) / RII with RII = 0.19 mL/g, in g/mL = pg/µm³ (paper 001,
  equation 1); n0 is the medium's RI, measured per volume (``medium_ri``) or given;
- dry mass = concentration × volume, in pg.

A single section (a bright-field or phase field, z = 1) has no depth, whatever z step its
voxel size carries: its nuclei have an area (µm²), not a volume, a surface or a sphericity.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import ndimage as ndi

from .quantities import DEFAULT_N0, DEFAULT_RII, nucleus_quantities

__all__ = ["field_totals", "has_volume", "medium_ri", "nuclei_table", "sphericity"]

# Histogram bin of the medium estimate: the RI resolution of Tomocube's encoding (1e-4).
_MEDIUM_BIN = 1e-4
_MEDIUM_SMOOTH = 1e-3
_MIN_OUTSIDE_FRACTION = 0.2
# A histogram peak lower than this share of the tallest is noise or a reconstruction's halo.
_MIN_PEAK_SHARE = 0.1


def has_volume(shape: Sequence[int], voxel_size_zyx: Sequence[float] | None) -> bool:
    """Whether nuclei of a label image of ``shape`` have volumes in µm³: a voxel size is known
    and there is more than one section."""
    return bool(voxel_size_zyx) and int(shape[0]) > 1


def field_totals(
    nuclei: Sequence[dict[str, Any]], shape: Sequence[int], voxel_size_zyx: Sequence[float] | None
) -> dict[str, float | None]:
    """The sums over one label image's nuclei rows: ``total_volume_um3`` for a stack,
    ``total_area_um2`` for a single section, each ``None`` where it does not apply (the other
    kind of image, or no voxel size); no nucleus sums to 0."""
    solid = has_volume(shape, voxel_size_zyx)
    flat = bool(voxel_size_zyx) and int(shape[0]) == 1
    return {
        "total_volume_um3": float(sum(n["volume_um3"] or 0.0 for n in nuclei)) if solid else None,
        "total_area_um2": float(sum(n.get("area_um2") or 0.0 for n in nuclei)) if flat else None,
    }


def sphericity(volume: float, area: float) -> float | None:
    """Wadell's sphericity π^(1/3) (6V)^(2/3) / A; ``None`` without an area."""
    if area <= 0 or volume <= 0:
        return None
    return math.pi ** (1 / 3) * (6.0 * volume) ** (2 / 3) / area


def medium_ri(ri: np.ndarray, outside: np.ndarray | None = None) -> float | None:
    """The medium's refractive index n0: the lowest-RI peak (``_lowest_peak``) of the smoothed
    histogram (1e-4 bins) of the voxels ``outside`` the nuclei (all voxels when not given, or
    when less than a fifth of the field is outside). In a sparse field that is its mode;
    ``None`` when there is nothing to measure.
    """
    values = np.asarray(ri).ravel()
    step = max(1, values.size // 2_000_000)  # a strided sample: a tomogram has ~10^8 voxels
    values = values[::step].astype(np.float32)
    if outside is not None:
        keep = np.asarray(outside, dtype=bool).ravel()[::step]
        # With the nuclei filling most of the field, what is left outside them is no longer
        # mostly medium; the whole field's mode is then the better estimate.
        if keep.mean() >= _MIN_OUTSIDE_FRACTION:
            values = values[keep]
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    low, high = float(values.min()), float(values.max())
    bins = max(1, min(20_000, int(math.ceil((high - low) / _MEDIUM_BIN))))
    counts, edges = np.histogram(values, bins=bins, range=(low, high + _MEDIUM_BIN))
    # Smoothed over ±0.001 RI: noise makes a raw 1e-4 histogram's tallest bin wander; cells
    # differ from the medium by 0.01 or more, so the smoothing cannot reach them.
    smooth = ndi.gaussian_filter1d(counts.astype(np.float64), _MEDIUM_SMOOTH / _MEDIUM_BIN)
    peak = _lowest_peak(smooth)
    return float((edges[peak] + edges[peak + 1]) / 2)


def _lowest_peak(smooth: np.ndarray) -> int:
    """The bin of the lowest-RI peak at least ``_MIN_PEAK_SHARE`` as tall as the tallest: every
    part of a cell is denser than the medium, so the medium is the lowest population of the
    field even where a confluent layer's cytoplasm outnumbers it (its mode would then be the
    cytoplasm, above nuclei darker than it, and their dry mass negative)."""
    padded = np.concatenate(([-1.0], smooth, [-1.0]))
    middle = padded[1:-1]
    is_peak = (middle >= padded[:-2]) & (middle > padded[2:])
    is_peak &= middle >= _MIN_PEAK_SHARE * smooth.max()
    return int(np.flatnonzero(is_peak)[0]) if is_peak.any() else int(np.argmax(smooth))


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def nuclei_table(
    labels: np.ndarray,
    ri: np.ndarray | None,
    voxel_size_zyx: Sequence[float] | None,
    *,
    n0: float | None = None,
    rii: float = DEFAULT_RII,
    smooth_sigma: float = 1.0,
) -> list[dict[str, Any]]:
    """One row per labelled nucleus, in label order.

    ``ri`` is the refractive index as floats (``None`` for modalities without one: the RI
    columns are then ``None``); without ``voxel_size_zyx`` the µm columns are ``None`` and only
    voxel counts and voxel centroids are given. A single section gives ``area_um2`` instead of
    the volume, surface, sphericity and dry mass (``None``), a stack the reverse. Keys:
    ``label``, ``voxel_count``, ``volume_um3``, ``area_um2``, ``surface_area_um2``,
    ``sphericity``, ``mean_ri``, ``concentration_pg_per_um3``, ``dry_mass_pg``, ``centroid``
    (voxels, z y x), ``centroid_um``.
    """
    labels = np.asarray(labels)
    if not labels.any():
        return []
    spacing = tuple(float(v) for v in voxel_size_zyx) if voxel_size_zyx else None
    solid = has_volume(labels.shape, spacing)
    pixel_um2 = spacing[1] * spacing[2] if spacing and not solid else None
    intensity = ri if ri is not None else np.zeros(labels.shape, dtype=np.float32)
    medium = DEFAULT_N0 if n0 is None else float(n0)
    rows = nucleus_quantities(
        labels.astype(np.int32, copy=False),
        intensity,
        spacing or (1.0, 1.0, 1.0),
        n0=medium,
        rii=rii,
        smooth_sigma=smooth_sigma,
        surface=solid,
    )
    table = []
    for row in rows:
        volume = row["volume_um3"] if solid else None
        area = row["surface_area_um2"] if solid else None
        shape = sphericity(row["mesh_volume_um3"], area) if solid else None
        concentration = row["concentration_pg_per_um3"] if ri is not None else None
        table.append(
            {
                "label": row["label"],
                "voxel_count": row["voxel_count"],
                "volume_um3": _finite(volume),
                "area_um2": row["voxel_count"] * pixel_um2 if pixel_um2 else None,
                "surface_area_um2": _finite(area),
                "sphericity": _finite(shape),
                "mean_ri": _finite(row["mean_ri"]) if ri is not None else None,
                "concentration_pg_per_um3": _finite(concentration),
                "dry_mass_pg": _finite(concentration * volume)
                if concentration is not None and volume is not None
                else None,
                "centroid": [round(float(c), 3) for c in row["centroid"]],
                "centroid_um": [round(float(c), 4) for c in row["centroid_um"]]
                if spacing
                else None,
            }
        )
    return table
