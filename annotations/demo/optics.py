"""Image formation: RI contrast, the ODT transfer function with its missing cone, the stain, bright-field defocus."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .profiles import LabProfile
from .shapes import Grid

_MISSING_CONE_HALF_ANGLE_DEG = 30.0


def refractive_increment(
    profile: LabProfile,
    dark_nucleus: bool,
    cell: np.ndarray,
    nucleus: np.ndarray,
    nucleus_level: np.ndarray,
    nucleoli: np.ndarray,
    lipids: np.ndarray,
    chromatin: np.ndarray,
    grid: Grid,
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


def image_like_odt(delta: np.ndarray, profile: LabProfile, voxel: Sequence[float]) -> np.ndarray:
    """Blur with an anisotropic transfer function that lacks a cone around the optical axis."""
    pad = max(4, int(round(3 * profile.blur_sigma_vox[0])))
    padded = np.pad(delta, ((pad, pad), (0, 0), (0, 0)))
    spectrum = np.fft.rfftn(padded)
    kz, ky, kx = frequencies(padded.shape)
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


def frequencies(shape: tuple[int, ...]) -> list[np.ndarray]:
    """Open grids of cycles/voxel matching ``np.fft.rfftn`` output."""
    freqs = [np.fft.fftfreq(n) for n in shape[:-1]] + [np.fft.rfftfreq(shape[-1])]
    return [f.astype(np.float32) for f in np.ix_(*freqs)]


def smooth_noise(
    rng: np.random.Generator, shape: tuple[int, ...], grid: Grid, scale_um: float
) -> np.ndarray:
    """Gaussian-correlated noise with unit standard deviation and ``scale_um`` correlation."""
    white = rng.standard_normal(shape, dtype=np.float32)
    spectrum = np.fft.rfftn(white)
    ks = frequencies(shape)
    exponent = sum((k / np.float32(v)) ** 2 for k, v in zip(ks, grid.voxel))
    spectrum *= np.exp(-2 * math.pi**2 * scale_um**2 * exponent).astype(np.complex64)
    spectrum.flat[0] = 0.0  # zero mean, so the field perturbs shapes without biasing them
    field = np.fft.irfftn(spectrum, s=shape, axes=tuple(range(len(shape)))).astype(np.float32)
    std = float(field.std())
    return field / np.float32(std if std > 0 else 1.0)


def stain(
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
    kz, ky, kx = frequencies(density.shape)
    spectrum *= np.exp(-2 * math.pi**2 * (2.0**2 * kz**2 + 1.3**2 * (ky**2 + kx**2))).astype(
        np.complex64
    )
    blurred = np.fft.irfftn(spectrum, s=density.shape, axes=(0, 1, 2)).astype(np.float32)
    signal = profile.stain_background + profile.stain_gain * np.clip(blurred, 0.0, None)
    noisy = signal + rng.normal(0.0, 1.0, size=signal.shape).astype(np.float32) * (
        profile.stain_noise + 0.02 * signal
    )
    return np.clip(noisy, 0.0, None).astype(np.float32)


def defocused_intensity(
    phase: np.ndarray, absorption: np.ndarray, rng: np.random.Generator, grid: Grid
) -> np.ndarray:
    spectrum = np.fft.rfftn(phase)
    ky, kx = frequencies(phase.shape)
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
