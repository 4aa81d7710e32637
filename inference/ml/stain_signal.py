"""Whether a nuclear-stain section shows signal, judged without any threshold, and the quality
flag of a mask against it (docs/fluorescence.md, "Stain signal").

Per section: the ``_PEAK_PIXELS``-th brightest smoothed pixel of the section without its hot
pixels (``without_hot_pixels``: a camera's hot pixels, dozens on a 1040 × 1392 sensor, stood for
the peak of a field without nuclei, flagged "stain signal but empty mask"),
the median and a robust one-sided standard deviation (median - 15.87th percentile); in a crowded
section (nuclei over about half of it, so its median lies in the stain) the background's lower
tail gives both instead (where a threshold is chosen, ``stain_otsu.py``, that noise is at most
the camera's, ``camera_noise``: the lower tail between crowded nuclei is their haze). A section
shows signal when its peak stands above the volume's
background (median of the sections' medians) by ``signal_snr`` noise standard deviations (median
of the sections' ones) and ``signal_fraction`` of the volume's brightest section.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage as ndi

__all__ = [
    "MASK_NO_SIGNAL",
    "QUALITY_FLAGS",
    "SIGNAL_NO_MASK",
    "quality_flag",
    "camera_noise",
    "section_statistics",
    "stain_signal",
    "without_hot_pixels",
]

_PEAK_PIXELS = 32  # a hot pixel, spread by the smoothing, covers fewer pixels than this
_ONE_SIGMA_BELOW = 15.87  # percentile one standard deviation below the mean of a Gaussian
_TWO_SIGMA_BELOW = 2.275  # percentile two standard deviations below the mean of a Gaussian
# A section whose upper one-sided spread is this many times its lower one is read as crowded.
_CROWDED_SKEW = 4.0
SIGNAL_NO_MASK = "signal_no_mask"
MASK_NO_SIGNAL = "mask_no_signal"
QUALITY_FLAGS = {
    SIGNAL_NO_MASK: "stain signal but empty mask",
    MASK_NO_SIGNAL: "mask but no stain signal",
}


def section_statistics(
    smoothed: np.ndarray, peak_from: np.ndarray | None = None, camera: float | None = None
) -> tuple[float, float, float]:
    """Median, one-sided robust standard deviation and peak of one smoothed section; the peak
    read from ``peak_from`` where given (the section without its hot pixels, smoothed alike).
    In a crowded section the noise is at most ``camera`` where given and not 0 (a noise of 0
    from differences is a quantised or noiseless image, not a measure)."""
    values = smoothed.ravel()
    top = values if peak_from is None else peak_from.ravel()
    k = min(_PEAK_PIXELS, top.size)
    peak = float(np.partition(top, top.size - k)[top.size - k])
    tail, low, median = np.percentile(values, [_TWO_SIGMA_BELOW, _ONE_SIGMA_BELOW, 50.0])
    sigma, tail_sigma = median - low, low - tail
    if tail_sigma > 0 and sigma > _CROWDED_SKEW * tail_sigma:
        # Crowded nuclei cover about half the section or more: its median lies in the stain,
        # not in the background. The background's lower tail is still the darkest pixels,
        # but between crowded nuclei they are the nuclei's out-of-focus haze, whose spread is
        # not the camera's noise.
        noise = min(tail_sigma, camera) if camera else tail_sigma
        return float(low + tail_sigma), float(noise), peak
    return float(median), float(sigma), peak


def camera_noise(section: np.ndarray, sigma: float = 0.0) -> float:
    """The camera's noise standard deviation in one section, from differences of neighbouring
    pixels (1.4826 × MAD / √2: a haze or a background gradient does not change them), and as
    it remains after a Gaussian smoothing of ``sigma`` px (× the kernel's root sum of squares)."""
    image = np.asarray(section, dtype=np.float64)
    if image.shape[-1] < 2:
        return 0.0
    noise = 1.4826 * float(np.median(np.abs(np.diff(image, axis=-1)))) / np.sqrt(2.0)
    if sigma <= 0:
        return noise
    size = 2 * int(np.ceil(4 * sigma)) + 1
    impulse = np.zeros((size, size))
    impulse[size // 2, size // 2] = 1.0
    return noise * float(np.sqrt((ndi.gaussian_filter(impulse, sigma) ** 2).sum()))


def without_hot_pixels(section: np.ndarray, snr: float) -> np.ndarray:
    """The section with its hot pixels replaced by the median of their 8 neighbours: a pixel
    brighter than all of them by more than ``snr`` times the camera noise (from differences of
    neighbouring pixels, 1.4826 × MAD / √2), as ImageJ's *Remove Outliers* does. A speck of a
    few pixels, a nucleus and the noise keep every pixel."""
    image = np.asarray(section, dtype=np.float64)
    if min(image.shape) < 3:
        return image
    noise = camera_noise(image)
    ring = np.ones((3, 3), dtype=bool)
    ring[1, 1] = False
    hot = image - ndi.maximum_filter(image, footprint=ring, mode="nearest") > snr * max(
        noise, 1e-12
    )
    if not hot.any():
        return image
    out = image.copy()
    out[hot] = ndi.median_filter(image, footprint=ring, mode="nearest")[hot]
    return out


def quality_flag(*, stain_signal: bool, has_mask: bool) -> str | None:
    """``"signal_no_mask"``, ``"mask_no_signal"`` or None (stain and mask agree)."""
    if stain_signal and not has_mask:
        return SIGNAL_NO_MASK
    if has_mask and not stain_signal:
        return MASK_NO_SIGNAL
    return None


def stain_signal(
    statistics: list[tuple[float, float, float] | None], params: Any
) -> tuple[list[bool], dict[str, float | None]]:
    """Which sections show stain signal, from each section's ``(median, sigma, peak)`` (None
    for a flat section); see the module docstring. Returns the flags and the volume's
    ``background``, ``noise`` and ``peak``."""
    known = [s for s in statistics if s is not None]
    if not known:
        return [False] * len(statistics), {"background": None, "noise": None, "peak": None}
    background = float(np.median([s[0] for s in known]))
    noise = float(np.median([s[1] for s in known]))
    peak = max(s[2] for s in known)
    needed = max(params.signal_snr * noise, params.signal_fraction * (peak - background))
    signal = [s is not None and s[2] - background > needed for s in statistics]
    return signal, {"background": background, "noise": noise, "peak": peak}
