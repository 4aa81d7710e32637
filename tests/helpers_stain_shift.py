"""Synthetic label-free fields with a nuclear stain imaged a few pixels off: a phase-like image
(nucleus brighter than the cytoplasm, like Hoechst) and an RI-like one (nucleus darker than the
cytoplasm, with bright nucleoli and lipid droplets), used by the stain-shift tests and
bench/stain_shift.py."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi


@dataclass(frozen=True)
class Field:
    nuclei: np.ndarray  # bool (y, x): the true nuclei, on the label-free grid
    phase: np.ndarray  # float: nucleus brighter than the cytoplasm
    ri: np.ndarray  # float: nucleus darker than the cytoplasm
    stain: np.ndarray  # float: the nuclear stain, imaged ``offset`` pixels off


def _disk(shape, centre, radius) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 < radius**2


def synthetic_field(
    *, size: int = 192, cells: int = 6, offset: tuple[int, int] = (2, 3), seed: int = 0
) -> Field:
    """``cells`` cells with one nucleus each, kept away from the border; the stain shows the
    nuclei moved by ``offset`` (what the microscope's filter cube or stage did)."""
    rng = np.random.default_rng(seed)
    shape = (size, size)
    nuclei = np.zeros(shape, dtype=bool)
    cytoplasm = np.zeros(shape, dtype=bool)
    nucleoli = np.zeros(shape, dtype=bool)
    droplets = np.zeros(shape, dtype=bool)
    placed: list[tuple[float, float]] = []
    while len(placed) < cells:
        centre = tuple(rng.uniform(32, size - 32, 2))
        if any(np.hypot(centre[0] - c[0], centre[1] - c[1]) < 48 for c in placed):
            continue
        placed.append(centre)
        cytoplasm |= _disk(shape, centre, rng.uniform(22, 26))
        nucleus = _disk(shape, centre, rng.uniform(11, 14))
        nuclei |= nucleus
        for _ in range(2):
            spot = (centre[0] + rng.uniform(-5, 5), centre[1] + rng.uniform(-5, 5))
            nucleoli |= _disk(shape, spot, 2.5) & nucleus
        for _ in range(4):
            angle, distance = rng.uniform(0, 2 * np.pi), rng.uniform(16, 20)
            spot = (centre[0] + distance * np.sin(angle), centre[1] + distance * np.cos(angle))
            droplets |= _disk(shape, spot, 2.0)
    texture = ndi.gaussian_filter(rng.normal(0, 1, shape), 2)
    phase = ndi.gaussian_filter(0.3 * cytoplasm + 0.6 * nuclei + 0.05 * texture, 1.0)
    phase = phase + rng.normal(0, 0.02, shape)
    ri = 1.337 + 0.025 * cytoplasm - 0.012 * nuclei + 0.02 * nucleoli + 0.03 * droplets
    ri = ndi.gaussian_filter(ri + 0.002 * texture, 1.0) + rng.normal(0, 0.001, shape)
    displaced = ndi.shift(nuclei.astype(np.float64), offset, order=0, mode="constant")
    stain = 100.0 + 900.0 * ndi.gaussian_filter(displaced, 1.5) + rng.normal(0, 25.0, shape)
    return Field(nuclei=nuclei, phase=phase, ri=ri, stain=stain.astype(np.float32))


def phase_contrast_field(offset, seed, *, stained=True, saturated=False):
    """A phase-contrast field as the microscope shows it (cells darker than the medium with a
    bright halo, the nucleus darker still) and its Hoechst stain imaged ``offset`` px off, lit
    unevenly (half as bright on the left as on the right)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:192, :240]
    cells, nuclei, placed = np.zeros(yy.shape, bool), np.zeros(yy.shape, bool), []
    while len(placed) < 6:
        cy, cx = rng.integers(36, 156), rng.integers(36, 204)
        if all(np.hypot(cy - a, cx - b) > 50 for a, b in placed):
            placed.append((cy, cx))
            cells |= ((yy - cy) / 22) ** 2 + ((xx - cx) / 19) ** 2 < 1
            nuclei |= ((yy - cy) / 11) ** 2 + ((xx - cx) / 9) ** 2 < 1
    halo = np.exp(-ndi.distance_transform_edt(~cells) / 2.5) * ~cells
    phase = ndi.gaussian_filter(2000 + 1500 * halo - 600 * cells - 300 * nuclei, 1.2)
    phase = phase + rng.normal(0, 40, yy.shape)
    light = 0.5 + 0.8 * xx / xx.shape[1]
    stain = 300 + 3000 * light * ndi.gaussian_filter(nuclei.astype(float), 1.5) * stained
    if saturated:
        first = ((yy - placed[0][0]) / 11) ** 2 + ((xx - placed[0][1]) / 9) ** 2 < 1
        stain[first] = 65535.0
    stain = ndi.shift(stain + rng.normal(0, 25, yy.shape), offset, order=0, mode="nearest")
    return phase, stain.astype(np.float32)


def aligned_truth(stain: np.ndarray, shift: tuple[int, int]) -> np.ndarray:
    """The fluorescence ground truth (default parameters) of one stain section moved by
    ``shift``, on the label-free grid (nothing outside the part the stain covers)."""
    from inference.ml.fluorescence import fluorescence_ground_truth
    from inference.ml.stain_shift import shift_stain

    part, box = shift_stain(stain, shift)
    masks, _ = fluorescence_ground_truth(part)
    full = np.zeros(stain.shape, dtype=bool)
    full[box] = masks
    return full


def stain_pair(project, *, name: str = "field-1", time_index: int = 0, seed: int = 0):
    """A phase section and its Hoechst stain imaged (2, 3) px off, stored as a paired specimen:
    (label-free volume, stain volume, field)."""
    from annotations.models import Specimen, Volume
    from annotations.services.volumes import volume_create

    field = synthetic_field(offset=(2, 3), seed=seed)
    specimen, _ = Specimen.objects.get_or_create(project=project, name=name, lab="A")
    label_free = volume_create(
        specimen=specimen,
        data=field.phase.astype(np.float32),
        modality="phase",
        time_index=time_index,
    )
    stain = volume_create(
        specimen=specimen,
        data=field.stain,
        modality="fluorescence",
        channel="Hoechst",
        time_index=time_index,
    )
    return label_free, Volume.objects.get(pk=stain.pk), field
