"""The Otsu threshold of a stain stack, with what would decide it wrongly left out
(docs/fluorescence.md): a saturated plateau (``stain_saturation.py``) and a few nuclei far
brighter than the others.

**Bright nuclei.** Mitotic and apoptotic nuclei hold condensed chromatin and shine 10-20 times
brighter in Hoechst or DAPI than the interphase nuclei beside them. Otsu then separates "the
bright nuclei" from "everything else" and the mask keeps the bright ones alone. So, like the
plateau, the pixels above the first threshold (and a rim of the smoothing's and optics' blur)
are left out and Otsu is asked again of the rest: its threshold is taken when the rest's upper
class (the mean of its pixels above it) stands above the rest's background by ``signal_snr``
noise standard deviations (the rest holds nuclei, not only background and camera noise) and the first threshold stood more than
``_BRIGHT_GAP`` times as far above the background as the new one, and above the new one the
stack holds a nucleus of its own (an object of ``min_size`` px, connected in 3D, with no pixel
above the first threshold): the first separated nuclei from nuclei, not a nucleus from its
blurred edge or from its out-of-focus glow in the sections above and below it (a single-cell
stack keeps its threshold). The bright nuclei, above either threshold, stay in the mask.

**Crowded sections.** Between crowded nuclei the darkest pixels are the nuclei's out-of-focus
haze, and their spread is not the camera's noise: read as noise, it put the floor above a
crowded field's nuclei and kept the mitotic ones alone, saturated or not. A crowded section's
noise is therefore at most the camera's (``stain_signal.camera_noise``, after the smoothing).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import ndimage as ndi
from skimage.filters import threshold_otsu

from .stain_saturation import Saturation, floor_of
from .stain_signal import camera_noise, section_statistics

__all__ = ["stack_otsu"]

_FLAT_RELATIVE_RANGE = 1e-6
_OTSU_BINS = 256  # scikit-image's default for threshold_otsu
_BRIGHT_GAP = 3.0


def _otsu(
    values: Callable[[int], np.ndarray],
    indices: list[int],
    camera: Callable[[int], float | None] = lambda i: None,
) -> tuple[float | None, list, float]:
    """Otsu threshold of the pooled values of ``indices`` (256 bins over their range, as
    ``threshold_otsu`` of the concatenation, accumulated one section at a time), each
    section's ``section_statistics`` of its values (a crowded section's noise at most its
    ``camera`` noise), and the mean of the values above the threshold (the upper class)."""
    low, high, stats = np.inf, -np.inf, []
    for i in indices:
        kept = values(i)
        if not kept.size:
            continue
        low, high = min(low, float(kept.min())), max(high, float(kept.max()))
        stats.append(section_statistics(kept, camera=camera(i)))
    if not stats or high - low <= _FLAT_RELATIVE_RANGE * max(abs(low), abs(high), 1.0):
        return None, stats, float("nan")
    counts = np.zeros(_OTSU_BINS, dtype=np.int64)
    for i in indices:
        hist, edges = np.histogram(values(i), bins=_OTSU_BINS, range=(low, high))
        counts += hist
    centers = (edges[:-1] + edges[1:]) / 2
    threshold = float(threshold_otsu(hist=(counts, centers)))
    upper = centers > threshold
    upper_mean = float((counts[upper] * centers[upper]).sum() / max(counts[upper].sum(), 1))
    return threshold, stats, upper_mean


def stack_otsu(
    sections: np.ndarray,
    indices: list[int],
    prepared: Callable[[int], np.ndarray],
    saturation: Saturation,
    signal_snr: float,
    *,
    rim: int,
    min_size: int,
    leave_out_bright: bool = True,
    sigma: float = 0.0,
) -> float | None:
    """Otsu threshold of the prepared (smoothed with ``sigma`` px) ``sections[indices]``,
    pooled: a saturated plateau left out, then nuclei far brighter than the others with a rim
    of ``rim`` px (module docstring)."""
    if not indices:
        return None
    noises: dict[int, float] = {}

    def camera(i: int) -> float:
        if i not in noises:
            noises[i] = camera_noise(sections[i], sigma)
        return noises[i]

    def kept(i: int, above: float | None = None, plateau: Saturation = saturation) -> np.ndarray:
        smoothed = prepared(i)
        keep = plateau.kept_mask(sections[i], smoothed)
        if above is not None:
            keep &= ~ndi.binary_dilation(smoothed > above, iterations=rim)
        return smoothed[keep]

    threshold, stats, upper_mean = _otsu(kept, indices, camera)
    if threshold is None:
        return None
    if saturation.ceiling is not None and not _beside_plateau(
        threshold,
        upper_mean,
        floor_of(stats, signal_snr) or threshold,
        lambda: _other_nuclei(
            indices, prepared, threshold, min_size, lambda i: sections[i] >= saturation.ceiling
        ),
    ):
        # Nothing but the plateau: the plain threshold, plateau included.
        return _otsu(lambda i: kept(i, plateau=Saturation()), indices)[0]
    if not leave_out_bright:
        return threshold
    lower, rest, upper_mean = _otsu(lambda i: kept(i, above=threshold), indices, camera)
    if lower is None or not rest:
        return threshold
    background = float(np.median([s[0] for s in rest]))
    floor = floor_of(rest, signal_snr)
    if (
        upper_mean > floor
        and threshold - background > _BRIGHT_GAP * (lower - background)
        and _other_nuclei(indices, prepared, lower, min_size, lambda i: prepared(i) > threshold)
    ):
        return lower
    return threshold


def _beside_plateau(
    threshold: float, upper_mean: float, floor: float, other_nuclei: Callable[[], bool]
) -> bool:
    """Whether the pixels left beside a plateau hold nuclei: the threshold found without it
    stands ``floor`` (background + ``signal_snr`` noise SDs) or more, or its upper class does
    and above it lies a nucleus the plateau has no pixel of (``other_nuclei``). Between crowded
    nuclei the threshold, halfway to the nuclei from their haze, may stand below the floor."""
    return threshold >= floor or (upper_mean > floor and other_nuclei())


def _other_nuclei(
    indices: list[int],
    prepared: Callable[[int], np.ndarray],
    lower: float,
    size: int,
    bright_of: Callable[[int], np.ndarray],
) -> bool:
    """Whether the stack above ``lower`` holds an object of ``size`` px or more, connected in
    3D, that no pixel of ``bright_of`` (above the first threshold, or the plateau) belongs to:
    a nucleus of its own, not the blurred edge or out-of-focus glow (sections above and below)
    of a bright one."""
    above = np.zeros((len(indices), *prepared(indices[0]).shape), dtype=bool)
    bright = np.zeros_like(above)
    for k, i in enumerate(indices):
        above[k], bright[k] = prepared(i) > lower, bright_of(i)
    labels, _ = ndi.label(above, output=np.int32)
    sizes = np.bincount(labels.ravel())
    free = sizes >= max(size, 1)
    free[0] = False
    free[np.unique(labels[bright])] = False
    return bool(free.any())
