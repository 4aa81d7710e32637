"""A nucleus imaged beyond the camera's range, kept from deciding the Otsu threshold.

A camera clips what it cannot count, so a saturated nucleus is a plateau at the stack's
brightest value. In a Hoechst field with one saturated nucleus among unsaturated ones, Otsu's
two classes become "the plateau" and "everything else": its threshold lies above every other
nucleus, and the mask keeps the saturated one alone, unflagged since it is not empty (a field
of nine nuclei scored Dice 0.20 against them). So the plateau and its rim (the optics' blur and
the smoothing, ``RIM`` + 3σ px) are left out of the Otsu histogram: the threshold separates the
stain from the background among the other pixels, and the saturated nucleus, above any such
threshold, stays in the mask. Where that threshold, and the mean of the pixels above it, fall
below the other pixels' background plus ``signal_snr`` noise standard deviations
(``stain_signal.py``; in a crowded section at most the camera's noise, not the spread of the
haze between its nuclei), or above it no object is free of the plateau, they hold no nucleus (a
field whose only nucleus is saturated) and the plain Otsu threshold is used, plateau included,
rather than one in the camera noise (``stain_otsu._beside_plateau``).

A plateau is the stack's maximum held by at least ``MIN_PLATEAU`` pixels (a hot pixel is not
saturation) where that maximum is a camera's full scale, 2^bits − 1 for 8 to 16 bits (255,
4095, 65535): a stack clipped at a percentile or rescaled to 1.0 is the user's own processing,
thresholded as before. So is a stack in which nothing varies but the plateau (a binary image).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

__all__ = ["FULL_SCALES", "MIN_PLATEAU", "RIM", "Saturation", "find_saturation", "floor_of"]

MIN_PLATEAU = 16
FULL_SCALES = frozenset(float(2**bits - 1) for bits in range(8, 17))
RIM = 4  # px beyond the plateau still lifted by the saturated nucleus's blurred edge


@dataclass(frozen=True)
class Saturation:
    """The stack's saturation ceiling (None: no plateau) and how many pixels of a plateau hold
    it (a hot pixel alone at the ceiling is not counted)."""

    ceiling: float | None = None
    pixels: int = 0
    rim: int = RIM

    def kept(self, section: np.ndarray, smoothed: np.ndarray) -> np.ndarray:
        """The smoothed values of one section that the Otsu threshold may see (flat)."""
        return smoothed[self.kept_mask(section, smoothed)]

    def kept_mask(self, section: np.ndarray, smoothed: np.ndarray) -> np.ndarray:
        """Where the section's values may be seen by the Otsu threshold: all but the plateau
        and its rim."""
        if self.ceiling is None:
            return np.ones(smoothed.shape, dtype=bool)
        plateau = np.asarray(section) >= self.ceiling
        if not plateau.any():
            return np.ones(smoothed.shape, dtype=bool)
        return ~ndi.binary_dilation(plateau, iterations=self.rim)


def floor_of(stats: list[tuple[float, float, float]], signal_snr: float) -> float | None:
    """Background + ``signal_snr`` noise SDs from sections' ``section_statistics``."""
    if not stats:
        return None
    background = float(np.median([s[0] for s in stats]))
    return background + signal_snr * float(np.median([s[1] for s in stats]))


def _plateau(section: np.ndarray, ceiling: float) -> np.ndarray:
    """The pixels at the ceiling with a neighbour there too: a camera's hot pixels, alone at
    its full scale, are not a saturated nucleus."""
    at = np.asarray(section) >= ceiling
    ring = np.ones((3,) * at.ndim, dtype=bool)
    ring[(1,) * at.ndim] = False
    return at & ndi.binary_dilation(at, structure=ring)


def find_saturation(sections: np.ndarray, flat: list[bool], sigma: float) -> Saturation:
    """The plateau of a ``(z, y, x)`` stack, if it has one and anything else varies."""
    indices = [i for i, is_flat in enumerate(flat) if not is_flat]
    if not indices:
        return Saturation()
    ceiling = max(float(sections[i].max()) for i in indices)
    if ceiling not in FULL_SCALES:
        return Saturation()
    if sum(int((sections[i] >= ceiling).sum()) for i in indices) < MIN_PLATEAU:
        return Saturation()
    # Hot pixels at the ceiling are left out of the histogram too, but not counted as saturated.
    pixels = sum(int(_plateau(sections[i], ceiling).sum()) for i in indices)
    found = Saturation(ceiling, pixels, RIM + int(np.ceil(3 * sigma)))
    rest = [found.kept(sections[i], np.asarray(sections[i])) for i in indices]
    values = [v for v in rest if v.size]
    if not values or min(float(v.min()) for v in values) == max(float(v.max()) for v in values):
        return Saturation()
    return found
