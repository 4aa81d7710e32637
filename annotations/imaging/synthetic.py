"""Deterministic synthetic cells for demos and tests.

The tomograms imitate holotomography (ODT) of single cells: an irregular
ellipsoidal cell in medium, an irregular nucleus with nucleoli, lipid droplets,
cytoplasmic texture, the z-elongating blur of the missing cone and detector
noise. A registered nuclear stain (DAPI/Hoechst-like) and the ground-truth
nucleus come with every cell, so segmentation and fluorescence-derived
ground truth can be exercised without real data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import h5py
import hdf5plugin
import numpy as np

__all__ = [
    "LAB_PROFILES",
    "MEDIUM_RI",
    "LabProfile",
    "SyntheticCell",
    "make_brightfield",
    "make_cell",
    "make_time_series",
    "write_tcf",
]

MEDIUM_RI = 1.3337
# Field of view of the default (24, 128, 128) tomogram at Tomocube HT-2H sampling;
# other shapes sample the same physical field so the cell keeps a plausible size.
_FIELD_UM = (24 * 0.195, 128 * 0.098, 128 * 0.098)
_MISSING_CONE_HALF_ANGLE_DEG = 30.0


@dataclass(frozen=True)
class LabProfile:
    """RI and stain characteristics of one laboratory's instrument and cells."""

    medium: float
    cytoplasm: float  # above medium
    nucleus: float  # magnitude of the nucleus-cytoplasm difference
    nucleolus: float  # above the nucleus
    envelope: float  # perinuclear rim above the local RI
    lipid: float  # absolute RI of lipid droplets before blur
    texture: float
    noise: float
    blur_sigma_vox: tuple[float, float, float]
    missing_cone_keep: float  # fraction of the signal left inside the missing cone
    stain_gain: float
    stain_background: float
    stain_noise: float


LAB_PROFILES: dict[str, LabProfile] = {
    "A": LabProfile(
        medium=MEDIUM_RI,
        cytoplasm=0.0185,
        nucleus=0.0085,
        nucleolus=0.016,
        envelope=0.003,
        lipid=1.445,
        texture=0.0028,
        noise=0.0007,
        blur_sigma_vox=(1.3, 0.7, 0.7),
        missing_cone_keep=0.25,
        stain_gain=1200.0,
        stain_background=90.0,
        stain_noise=12.0,
    ),
    # Another institute: different medium, flatter contrast, noisier and blurrier
    # reconstructions, Hoechst instead of DAPI.
    "B": LabProfile(
        medium=1.3372,
        cytoplasm=0.0135,
        nucleus=0.0060,
        nucleolus=0.012,
        envelope=0.002,
        lipid=1.425,
        texture=0.0038,
        noise=0.0013,
        blur_sigma_vox=(1.8, 0.9, 0.9),
        missing_cone_keep=0.15,
        stain_gain=450.0,
        stain_background=160.0,
        stain_noise=20.0,
    ),
}


@dataclass
class SyntheticCell:
    """One synthetic tomogram with its registered stain and ground truth."""

    ri: np.ndarray
    dapi: np.ndarray
    nucleus: np.ndarray
    voxel_size: tuple[float, float, float]
    lab: str
    dark_nucleus: bool
    cell: np.ndarray | None = None  # bool (z, y, x) ground-truth cell body


@dataclass(frozen=True)
class _Ellipsoid:
    center: tuple[float, float, float]  # (z, y, x) um
    radii: tuple[float, float, float]  # (z, y, x) um
    angle: float  # rotation in the xy plane, radians


class _Grid:
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

    def level(self, e: _Ellipsoid) -> np.ndarray:
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


# --------------------------------------------------------------------------- public API


def make_cell(
    *,
    seed: int,
    shape: tuple[int, int, int] = (24, 128, 128),
    lab: Literal["A", "B"] = "A",
    dark_nucleus: bool = False,
    n_nuclei: int = 1,
    time_point: int = 0,
    growth: float = 0.0,
) -> SyntheticCell:
    """A synthetic RI tomogram with a registered nuclear stain and the true nucleus.

    The same ``seed`` gives the same cell; ``time_point`` changes the noise and
    drifts the nucleus, ``growth`` enlarges it (0.1 = 10 % larger radii).
    ``dark_nucleus`` makes the nucleus less refractive than the cytoplasm
    (as in HL60 cells).
    """
    shape = _check_shape(shape, 3)
    profile = _profile(lab)
    if not 1 <= n_nuclei <= 4:
        raise ValueError(f"n_nuclei must be between 1 and 4; got {n_nuclei}.")
    if time_point < 0 or growth <= -0.5:
        raise ValueError("time_point must be >= 0 and growth > -0.5.")
    geometry = np.random.default_rng([seed, 0])
    noise_rng = np.random.default_rng([seed, 1, time_point])
    voxel = tuple(f / n for f, n in zip(_FIELD_UM, shape))
    grid = _Grid(shape, voxel)

    cell_shape = _cell_ellipsoid(grid, geometry)
    boundary_noise = np.clip(_smooth_noise(geometry, shape, grid, 1.8), -2.0, 2.0)
    cell = grid.level(cell_shape) < 1.0 + 0.22 * boundary_noise
    inner = grid.level(_scaled(cell_shape, 0.78)) < 1.0
    nuclei = _nucleus_ellipsoids(cell_shape, geometry, n_nuclei, time_point, growth)
    nucleus_noise = _smooth_noise(geometry, shape, grid, 1.2)
    nucleus_level = _separated_level([grid.level(n) for n in nuclei]) - 0.14 * nucleus_noise
    nucleus = (nucleus_level < 1.0) & inner & cell
    nucleoli = _nucleoli(grid, geometry, nuclei) & nucleus
    lipids = _lipid_droplets(grid, geometry, cell_shape, nuclei, shape) & cell & ~nucleus

    chromatin = _smooth_noise(noise_rng, shape, grid, 0.35)
    delta = _refractive_increment(
        profile, dark_nucleus, cell, nucleus, nucleus_level, nucleoli, lipids, chromatin, grid
    )
    delta += profile.texture * _smooth_noise(noise_rng, shape, grid, 0.3) * cell
    ri = _image_like_odt(delta, profile, voxel) + np.float32(profile.medium)
    ri += noise_rng.normal(0.0, profile.noise, size=shape).astype(np.float32)

    dapi = _stain(profile, nucleus, nucleoli, chromatin, noise_rng)
    return SyntheticCell(
        ri=ri.astype(np.float32, copy=False),
        dapi=dapi,
        nucleus=nucleus,
        voxel_size=(round(voxel[0], 5), round(voxel[1], 5), round(voxel[2], 5)),
        lab=lab,
        dark_nucleus=dark_nucleus,
        cell=cell,
    )


def make_time_series(
    *,
    seed: int,
    n_time_points: int = 4,
    shape: tuple[int, int, int] = (24, 128, 128),
    lab: Literal["A", "B"] = "A",
    dark_nucleus: bool = False,
    growth_per_step: float = 0.03,
) -> list[SyntheticCell]:
    """The same cell imaged repeatedly while its nucleus slowly grows and drifts."""
    if n_time_points < 1:
        raise ValueError(f"n_time_points must be at least 1; got {n_time_points}.")
    return [
        make_cell(
            seed=seed,
            shape=shape,
            lab=lab,
            dark_nucleus=dark_nucleus,
            time_point=t,
            growth=growth_per_step * t,
        )
        for t in range(n_time_points)
    ]


def make_brightfield(
    *, seed: int, shape: tuple[int, int] = (256, 256)
) -> tuple[np.ndarray, np.ndarray]:
    """A 2D bright-field-like image (float32, about 0-1) of one cell and its nucleus mask.

    Contrast comes mostly from slight defocus of a transparent cell (halo at
    edges, faint nuclear outline, dark nucleoli and granules), as in real
    bright-field micrographs of unstained cells.
    """
    shape = _check_shape(shape, 2)
    rng = np.random.default_rng([seed, 2])
    field = 40.0
    grid = _Grid(shape, (field / max(shape), field / max(shape)))
    cell_shape = _Ellipsoid(
        (0.0, *(rng.uniform(-0.06, 0.06, 2) * field)),
        (1.0, *(rng.uniform(0.26, 0.32, 2) * field)),
        float(rng.uniform(0, math.pi)),
    )
    cell_level = grid.level(cell_shape) - 0.2 * _smooth_noise(rng, shape, grid, 4.0)
    cell = cell_level < 1.0
    (nucleus_shape,) = _nucleus_ellipsoids(cell_shape, rng, 1, 0, 0.0)
    nucleus_level = grid.level(nucleus_shape) - 0.12 * _smooth_noise(rng, shape, grid, 2.5)
    nucleus = (nucleus_level < 1.0) & (grid.level(_scaled(cell_shape, 0.8)) < 1.0)
    thickness = np.sqrt(np.clip(1.0 - cell_level, 0.0, None)) * cell
    phase = 1.0 * thickness + 0.45 * nucleus * np.sqrt(np.clip(1.0 - nucleus_level, 0.0, None))
    granules = _smooth_noise(rng, shape, grid, 0.25)
    phase += 0.12 * np.clip(granules - 1.5, 0.0, None) * (cell & ~nucleus)
    nucleoli = _nucleoli(grid, rng, [nucleus_shape]) & nucleus
    phase += 0.25 * nucleoli
    cytoplasm = cell & ~nucleus
    absorption = (
        0.04 * thickness + 0.06 * nucleoli + 0.05 * np.clip(granules - 1.8, 0, None) * cytoplasm
    )
    image = _defocused_intensity(phase.astype(np.float32), absorption, rng, grid)
    return image, nucleus


def write_tcf(
    path: str | Path,
    ri_volumes: Sequence[np.ndarray],
    fl_volumes: Mapping[str, Sequence[np.ndarray]] | None,
    voxel_size: Sequence[float],
    *,
    format_version: str = "1.4",
    compression: str | None = None,
    time_interval: float = 600.0,
) -> None:
    """Write a Tomocube-TCF-like HDF5 file (RI stored as uint16 = RI x 1e4 from format 1.3).

    ``ri_volumes`` are the (z, y, x) RI time points; ``fl_volumes`` maps channel
    names ("CH0", ...) to their time points. ``compression`` is None, "gzip",
    "lzf", or an hdf5plugin filter: "zstd", "lz4", "blosc".
    """
    if not ri_volumes:
        raise ValueError("A TCF file needs at least one RI volume.")
    volumes = [np.asarray(v) for v in ri_volumes]
    shape = volumes[0].shape
    if any(v.ndim != 3 or v.shape != shape for v in volumes):
        raise ValueError("All RI volumes must be 3D (z, y, x) arrays of the same shape.")
    vz, vy, vx = (float(v) for v in voxel_size)
    integer_ri = _version_tuple(format_version) >= (1, 3)
    filters = _compression_kwargs(compression)
    with h5py.File(path, "w") as f:
        f.attrs.update(_root_attrs(format_version))
        group = f.create_group("Data/3D")
        group.attrs.update(_group_attrs(shape, (vz, vy, vx), len(volumes), time_interval))
        ri_min = min(float(v.min()) for v in volumes)
        ri_max = max(float(v.max()) for v in volumes)
        group.attrs.update({"RIMin": _attr(ri_min), "RIMax": _attr(ri_max)})
        for t, volume in enumerate(volumes):
            data = _ri_to_uint16(volume) if integer_ri else volume.astype(np.float32)
            ds = group.create_dataset(f"{t:06d}", data=data, **_chunked(filters, shape))
            ds.attrs.update({"Time": _attr(t * time_interval), "RIMin": _attr(float(volume.min()))})
            ds.attrs["RIMax"] = _attr(float(volume.max()))
        if fl_volumes:
            _write_fluorescence(f, fl_volumes, shape, (vz, vy, vx), filters, time_interval)


# --------------------------------------------------------------------------- geometry


def _check_shape(shape: Sequence[int], ndim: int) -> tuple[int, ...]:
    out = tuple(int(n) for n in shape)
    if len(out) != ndim:
        raise ValueError(f"shape must have {ndim} dimensions; got {tuple(shape)}.")
    if out[-1] < 32 or out[-2] < 32 or (ndim == 3 and out[0] < 8):
        raise ValueError(f"shape {out} is too small for a cell; use at least 8 x 32 x 32.")
    return out


def _profile(lab: str) -> LabProfile:
    try:
        return LAB_PROFILES[lab]
    except KeyError:
        raise ValueError(f"Unknown lab '{lab}'; choose one of {', '.join(LAB_PROFILES)}.") from None


def _cell_ellipsoid(grid: _Grid, rng: np.random.Generator) -> _Ellipsoid:
    ez, ey, ex = grid.extent
    return _Ellipsoid(
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


def _scaled(e: _Ellipsoid, factor: float) -> _Ellipsoid:
    return _Ellipsoid(e.center, tuple(r * factor for r in e.radii), e.angle)  # type: ignore[arg-type]


def _nucleus_ellipsoids(
    cell: _Ellipsoid, rng: np.random.Generator, n: int, time_point: int, growth: float
) -> list[_Ellipsoid]:
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
        nuclei.append(_Ellipsoid(center, radii, cell.angle + float(rng.uniform(-0.4, 0.4))))
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


def _separated_level(levels: Sequence[np.ndarray]) -> np.ndarray:
    """Minimum of the nuclei's levels, with a groove where two nuclei would touch."""
    if len(levels) == 1:
        return levels[0]
    stacked = np.sort(np.stack(levels), axis=0)
    nearest, second = stacked[0], stacked[1]
    # Neighbouring nuclei stay separate objects, as adjacent nuclei are in real cells.
    return np.where(second - nearest < 0.35, np.maximum(nearest, 1.5), nearest)


def _nucleoli(grid: _Grid, rng: np.random.Generator, nuclei: Sequence[_Ellipsoid]) -> np.ndarray:
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
            out |= grid.level(_Ellipsoid(center, radii, float(rng.uniform(0, math.pi)))) < 1.0  # type: ignore[arg-type]
    return out


def _lipid_droplets(
    grid: _Grid,
    rng: np.random.Generator,
    cell: _Ellipsoid,
    nuclei: Sequence[_Ellipsoid],
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
        if any(_inside(point, _scaled(n, 1.2)) for n in nuclei):
            continue
        radius = float(rng.uniform(0.22, 0.40))
        radii = (max(radius, 1.2 * grid.voxel[0]), radius, radius)
        out |= grid.level(_Ellipsoid(point, radii, 0.0)) < 1.0  # type: ignore[arg-type]
        placed += 1
    return out


def _inside(point: Sequence[float], e: _Ellipsoid) -> bool:
    dz, dy, dx = (p - c for p, c in zip(point, e.center))
    cos, sin = math.cos(e.angle), math.sin(e.angle)
    u = (dx * cos + dy * sin) / e.radii[2]
    v = (dy * cos - dx * sin) / e.radii[1]
    w = dz / e.radii[0]
    return u * u + v * v + w * w < 1.0


# --------------------------------------------------------------------------- image formation


def _refractive_increment(
    profile: LabProfile,
    dark_nucleus: bool,
    cell: np.ndarray,
    nucleus: np.ndarray,
    nucleus_level: np.ndarray,
    nucleoli: np.ndarray,
    lipids: np.ndarray,
    chromatin: np.ndarray,
    grid: _Grid,
) -> np.ndarray:
    """RI minus medium, before the instrument's blur."""
    sign = -1.0 if dark_nucleus else 1.0
    delta = np.where(cell, np.float32(profile.cytoplasm), np.float32(0.0))
    nuclear = profile.cytoplasm + sign * profile.nucleus + 0.002 * chromatin
    delta = np.where(nucleus, nuclear.astype(np.float32), delta)
    rim = (nucleus_level > 0.8) & (nucleus_level < 1.15) & cell
    delta += np.float32(profile.envelope) * rim
    nucleolar = profile.cytoplasm + sign * profile.nucleus + profile.nucleolus
    delta = np.where(nucleoli, np.float32(nucleolar), delta)
    delta = np.where(lipids, np.float32(profile.lipid - profile.medium), delta)
    return delta.astype(np.float32, copy=False)


def _image_like_odt(delta: np.ndarray, profile: LabProfile, voxel: Sequence[float]) -> np.ndarray:
    """Blur with an anisotropic transfer function that lacks a cone around the optical axis."""
    pad = max(4, int(round(3 * profile.blur_sigma_vox[0])))
    padded = np.pad(delta, ((pad, pad), (0, 0), (0, 0)))
    spectrum = np.fft.rfftn(padded)
    kz, ky, kx = _frequencies(padded.shape)
    sz, sy, sx = profile.blur_sigma_vox
    gauss = np.exp(-2 * math.pi**2 * (sz**2 * kz**2 + sy**2 * ky**2 + sx**2 * kx**2))
    # Physical frequencies decide which directions fall inside the cone.
    pz, py, px = kz / voxel[0], ky / voxel[1], kx / voxel[2]
    lateral = np.sqrt(py**2 + px**2)
    tan_half = math.tan(math.radians(_MISSING_CONE_HALF_ANGLE_DEG))
    edge = np.clip((lateral - tan_half * np.abs(pz)) / (0.25 * np.abs(pz) + 1e-6) + 0.5, 0.0, 1.0)
    cone = profile.missing_cone_keep + (1.0 - profile.missing_cone_keep) * edge
    cone[0, 0, 0] = 1.0
    spectrum *= (gauss * cone).astype(np.complex64)
    blurred = np.fft.irfftn(spectrum, s=padded.shape, axes=(0, 1, 2))
    return blurred[pad:-pad].astype(np.float32)


def _frequencies(shape: tuple[int, ...]) -> list[np.ndarray]:
    """Open grids of cycles/voxel matching ``np.fft.rfftn`` output."""
    freqs = [np.fft.fftfreq(n) for n in shape[:-1]] + [np.fft.rfftfreq(shape[-1])]
    return [f.astype(np.float32) for f in np.ix_(*freqs)]


def _smooth_noise(
    rng: np.random.Generator, shape: tuple[int, ...], grid: _Grid, scale_um: float
) -> np.ndarray:
    """Gaussian-correlated noise with unit standard deviation and ``scale_um`` correlation."""
    white = rng.standard_normal(shape, dtype=np.float32)
    spectrum = np.fft.rfftn(white)
    ks = _frequencies(shape)
    exponent = sum((k / np.float32(v)) ** 2 for k, v in zip(ks, grid.voxel))
    spectrum *= np.exp(-2 * math.pi**2 * scale_um**2 * exponent).astype(np.complex64)
    spectrum.flat[0] = 0.0  # zero mean, so the field perturbs shapes without biasing them
    field = np.fft.irfftn(spectrum, s=shape, axes=tuple(range(len(shape)))).astype(np.float32)
    std = float(field.std())
    return field / np.float32(std if std > 0 else 1.0)


def _stain(
    profile: LabProfile,
    nucleus: np.ndarray,
    nucleoli: np.ndarray,
    chromatin: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Nuclear stain: DNA is dense in chromatin, sparse in nucleoli; widefield blur."""
    density = nucleus * (1.0 + 0.25 * chromatin)
    density = np.where(nucleoli, np.float32(0.35), density).astype(np.float32)
    spectrum = np.fft.rfftn(density)
    kz, ky, kx = _frequencies(density.shape)
    spectrum *= np.exp(-2 * math.pi**2 * (2.0**2 * kz**2 + 1.3**2 * (ky**2 + kx**2))).astype(
        np.complex64
    )
    blurred = np.fft.irfftn(spectrum, s=density.shape, axes=(0, 1, 2)).astype(np.float32)
    signal = profile.stain_background + profile.stain_gain * np.clip(blurred, 0.0, None)
    noisy = signal + rng.normal(0.0, 1.0, size=signal.shape).astype(np.float32) * (
        profile.stain_noise + 0.02 * signal
    )
    return np.clip(noisy, 0.0, None).astype(np.float32)


def _defocused_intensity(
    phase: np.ndarray, absorption: np.ndarray, rng: np.random.Generator, grid: _Grid
) -> np.ndarray:
    spectrum = np.fft.rfftn(phase)
    ky, kx = _frequencies(phase.shape)
    k2 = ky**2 + kx**2
    smooth = np.exp(-2 * math.pi**2 * 1.0**2 * k2)
    # Slight defocus turns phase curvature into intensity (transport of intensity).
    laplacian = np.fft.irfftn(
        spectrum * (-4 * math.pi**2 * k2 * smooth), s=phase.shape, axes=(0, 1)
    )
    y, x = grid.coords
    half = max(grid.extent) / 2
    tilt = float(rng.uniform(0, 2 * math.pi))
    gradient = (x * math.cos(tilt) + y * math.sin(tilt)) / half
    vignette = (x**2 + y**2) / half**2
    illumination = 0.62 * (1.0 + 0.025 * gradient - 0.04 * vignette)
    image = illumination * (1.0 - 2.2 * laplacian - absorption)
    image += rng.normal(0.0, 0.008, size=phase.shape)
    return np.clip(image, 0.0, 1.0).astype(np.float32)


# --------------------------------------------------------------------------- TCF writing


def _version_tuple(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in version.split(".")[:2])
    except ValueError:
        raise ValueError(f"format_version must look like '1.4'; got {version!r}.") from None


def _attr(value: float | int) -> np.ndarray:
    # TCF files store scalar attributes as one-element arrays.
    return np.array([value], dtype=np.int64 if isinstance(value, int) else np.float64)


def _root_attrs(format_version: str) -> dict[str, object]:
    return {
        "FormatVersion": format_version,
        "CreateDate": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "DataID": "synthetic",
        "Title": "synthetic cell",
        "SoftwareVersion": "synthetic",
    }


def _group_attrs(
    shape: tuple[int, ...], voxel: tuple[float, float, float], count: int, interval: float
) -> dict[str, np.ndarray]:
    nz, ny, nx = shape
    return {
        "SizeX": _attr(int(nx)),
        "SizeY": _attr(int(ny)),
        "SizeZ": _attr(int(nz)),
        "ResolutionX": _attr(voxel[2]),
        "ResolutionY": _attr(voxel[1]),
        "ResolutionZ": _attr(voxel[0]),
        "DataCount": _attr(int(count)),
        "TimeInterval": _attr(float(interval)),
    }


def _ri_to_uint16(volume: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(volume * 1e4), 0, 65535).astype(np.uint16)


def _compression_kwargs(compression: str | None) -> dict[str, object]:
    if compression is None:
        return {}
    options: dict[str, dict[str, object]] = {
        "gzip": {"compression": "gzip", "compression_opts": 4},
        "lzf": {"compression": "lzf"},
        "zstd": dict(hdf5plugin.Zstd()),
        "lz4": dict(hdf5plugin.LZ4()),
        "blosc": dict(hdf5plugin.Blosc()),
    }
    try:
        return options[compression]
    except KeyError:
        raise ValueError(
            f"Unknown compression '{compression}'; choose one of {', '.join(options)}."
        ) from None


def _chunked(filters: dict[str, object], shape: tuple[int, ...]) -> dict[str, object]:
    if not filters:
        return {}
    return {"chunks": tuple(min(n, c) for n, c in zip(shape, (16, 128, 128))), **filters}


def _write_fluorescence(
    f: h5py.File,
    fl_volumes: Mapping[str, Sequence[np.ndarray]],
    ri_shape: tuple[int, ...],
    voxel: tuple[float, float, float],
    filters: dict[str, object],
    interval: float,
) -> None:
    group = f.create_group("Data/3DFL")
    first = np.asarray(next(iter(fl_volumes.values()))[0])
    if first.ndim != 3:
        raise ValueError("Fluorescence volumes must be 3D (z, y, x) arrays.")
    # The fluorescence stack covers the same field of view as the tomogram.
    fl_voxel = tuple(round(v * r / s, 9) for v, r, s in zip(voxel, ri_shape, first.shape))
    count = max(len(v) for v in fl_volumes.values())
    group.attrs.update(_group_attrs(first.shape, fl_voxel, count, interval))  # type: ignore[arg-type]
    group.attrs["Channels"] = _attr(len(fl_volumes))
    for index, (name, volumes) in enumerate(fl_volumes.items()):
        channel_name = name if name.startswith("CH") and name[2:].isdigit() else f"CH{index}"
        channel = group.create_group(channel_name)
        channel.attrs["Name"] = name
        for t, volume in enumerate(volumes):
            data = np.asarray(volume)
            if data.shape != first.shape:
                raise ValueError("All fluorescence volumes must have the same shape.")
            stored = np.clip(np.rint(data), 0, 65535).astype(np.uint16)
            channel.create_dataset(f"{t:06d}", data=stored, **_chunked(filters, first.shape))
