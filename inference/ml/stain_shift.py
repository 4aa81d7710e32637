"""A stain imaged a few pixels off its label-free image: moving it back, and estimating how far.

A shift ``(dy, dx)`` is in pixels of the label-free image and says where the stain's content
must move to lie on the label-free image: the aligned stain at ``(y, x)`` is the stain at
``(y - dy, x - dx)``. Only whole pixels (the ground truth is a binary mask on the label-free
grid; a sub-pixel shift would resample the stain for a fraction of a pixel of boundary).

The shifted stain does not cover a band of ``|dy|`` rows and ``|dx|`` columns of the label-free
image: nothing was imaged there. ``imaged_box`` is the part it covers; the ground truth is
derived inside it only, and its edge is treated as the section's border is (docs/fluorescence.md).

The estimate is scikit-image's ``phase_cross_correlation`` (reference: the label-free section;
moving: the stain). On phase contrast, bright-field and DIC it is the plain cross-correlation of
the two images standardised (``normalization=None``): a phase-contrast cell is dark with a bright
halo around it, and its nucleus darker still, so the phase correlation's whitened spectrum,
dominated by the halos' edges, matched no stained nucleus (suggestions 15 to 80 px off on fields
stained 5 px off), while the plain correlation, which matches dark as well as bright structure,
finds the shift exactly. On an RI tomogram, where the nucleus is often darker than the cytoplasm
against a bright DAPI, it stays the phase correlation (the default normalisation), which is right
more often there. Either way it is only a suggestion, with the signals a reviewer needs to judge
it: the peak ratio (the correlation's peak over its highest other peak), on an RI tomogram the
correlation of the two images once aligned (negative: the contrast is inverted), and the size of
the shift.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import ndimage as ndi
from skimage.registration import phase_cross_correlation

__all__ = [
    "LARGE_SHIFT_FRACTION",
    "MIN_PEAK_RATIO",
    "MIN_PLAIN_PEAK_RATIO",
    "ShiftEstimate",
    "estimate_stain_shift",
    "imaged_box",
    "max_stain_shift",
    "shift_stain",
]

# A shift beyond this fraction of the section's smaller side is more likely a wrong peak than
# an optical offset (filter cubes and stages give a few pixels).
LARGE_SHIFT_FRACTION = 0.05
# The phase correlation's peak over its best rival: an unambiguous match stands well above 2
# on the synthetic phase/Hoechst fields of bench/stain_shift.py, a wrong one stays near 1.
MIN_PEAK_RATIO = 2.0
# The same for the plain correlation (its rivals are other local maxima): on phase-contrast and
# phase-like fields with Hoechst (tests/unit/test_stain_shift_ml.py, bench/stain_shift.py) a
# right match scored 1.8 or more, a wrong one (no stain signal, an RI section) 1.06 at most.
MIN_PLAIN_PEAK_RATIO = 1.5
# The rival peak is looked for this many pixels or more away from the chosen one.
_PEAK_EXCLUSION = 3


def max_stain_shift(shape_yx: tuple[int, int]) -> tuple[int, int]:
    """The largest shift allowed per axis: a quarter of the section's height and width."""
    return shape_yx[0] // 4, shape_yx[1] // 4


def imaged_box(shape_yx: tuple[int, int], shift: tuple[int, int]) -> tuple[slice, slice]:
    """The rows and columns of the label-free section that the shifted stain covers."""
    (height, width), (dy, dx) = shape_yx, shift
    return slice(max(dy, 0), height + min(dy, 0)), slice(max(dx, 0), width + min(dx, 0))


def shift_stain(
    stain: np.ndarray, shift: tuple[int, int]
) -> tuple[np.ndarray, tuple[slice, slice]]:
    """The part of ``stain`` (``(y, x)`` or ``(z, y, x)``) that lands inside the label-free
    section once shifted, and where it lands (``imaged_box``): the aligned stain is
    ``aligned[..., box] = part``, and nothing is known outside ``box``."""
    stain = np.asarray(stain)
    dy, dx = int(shift[0]), int(shift[1])
    box = imaged_box(stain.shape[-2:], (dy, dx))
    source = (
        slice(box[0].start - dy, box[0].stop - dy),
        slice(box[1].start - dx, box[1].stop - dx),
    )
    return stain[(..., *source)], box


@dataclass(frozen=True)
class ShiftEstimate:
    """A suggested shift and how far to trust it (``reliable`` is False with ``warnings``)."""

    dy: int
    dx: int
    peak_ratio: float
    correlation: float | None
    warnings: list[str] = field(default_factory=list)

    @property
    def reliable(self) -> bool:
        return not self.warnings

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"reliable": self.reliable}


def _standardised(image: np.ndarray) -> np.ndarray:
    spread = float(image.std())
    return (image - image.mean()) / (spread if spread > 0 else 1.0)


def _stain_contrast(stain: np.ndarray) -> np.ndarray:
    """The stain above its background in noise units, log-compressed: the plain correlation
    weighs structure by its brightness, and one saturated nucleus outweighed all the others
    (peak ratio 1.3 on a Hoechst field with one at 65535, 3.0 compressed)."""
    background = float(np.median(stain))
    noise = max(background - float(np.percentile(stain, 15.87)), np.finfo(float).tiny)
    return np.log1p(np.maximum(stain - background, 0.0) / noise)


def _peak_ratio(
    reference: np.ndarray, moving: np.ndarray, shift: tuple[int, int], *, whitened: bool
) -> float:
    """The correlation's value at ``shift`` over its best rival (from the same cross-power
    spectrum skimage uses): the highest value outside a small neighbourhood of it when
    ``whitened`` (the phase correlation's peak is a point), else the highest other local
    maximum (the plain correlation's peak is as broad as the nuclei)."""
    product = np.fft.fft2(reference) * np.fft.fft2(moving).conj()
    if whitened:
        product /= np.maximum(np.abs(product), 100 * np.finfo(float).eps)
    correlation = np.abs(np.fft.ifft2(product))
    height, width = correlation.shape
    peak = (shift[0] % height, shift[1] % width)
    rows = np.minimum(
        np.abs(np.arange(height) - peak[0]), height - np.abs(np.arange(height) - peak[0])
    )
    cols = np.minimum(
        np.abs(np.arange(width) - peak[1]), width - np.abs(np.arange(width) - peak[1])
    )
    rivals = ~((rows[:, None] < _PEAK_EXCLUSION) & (cols[None, :] < _PEAK_EXCLUSION))
    if not whitened:
        size = 2 * _PEAK_EXCLUSION - 1
        rivals &= correlation == ndi.maximum_filter(correlation, size=size, mode="wrap")
    rival = float(correlation[rivals].max()) if rivals.any() else 0.0
    return float(correlation[peak]) / max(rival, np.finfo(float).tiny)


def _aligned_correlation(
    label_free: np.ndarray, stain: np.ndarray, shift: tuple[int, int]
) -> float | None:
    part, box = shift_stain(stain, shift)
    overlap = label_free[box]
    if overlap.size < 2 or np.ptp(overlap) == 0 or np.ptp(part) == 0:
        return None
    return float(np.corrcoef(overlap.ravel(), part.ravel())[0, 1])


def estimate_stain_shift(
    label_free: np.ndarray, stain: np.ndarray, *, inverted_modality: bool = False
) -> ShiftEstimate:
    """Suggest the shift that aligns ``stain`` with ``label_free`` (two ``(y, x)`` sections of
    the same shape). ``inverted_modality``: the label-free image is one where the nucleus may be
    darker than its surroundings (an RI tomogram), so the estimate is flagged whatever it says."""
    reference = np.asarray(label_free, dtype=np.float64)
    moving = np.asarray(stain, dtype=np.float64)
    if reference.shape != moving.shape or reference.ndim != 2:
        raise ValueError(
            f"expected two sections of one shape, got {reference.shape} and {moving.shape}"
        )
    # Its own error is 1.0 whatever the match under the default phase normalisation, so the
    # peak ratio is measured instead. Phase contrast and the like: the plain correlation (above).
    if not inverted_modality:
        reference, moving = _standardised(reference), _standardised(_stain_contrast(moving))
    normalization = "phase" if inverted_modality else None
    found, _, _ = phase_cross_correlation(reference, moving, normalization=normalization)
    shift = (int(round(found[0])), int(round(found[1])))
    ratio = _peak_ratio(reference, moving, shift, whitened=inverted_modality)
    correlation = _aligned_correlation(reference, moving, shift)
    warnings = []
    limit = LARGE_SHIFT_FRACTION * min(reference.shape)
    if max(abs(shift[0]), abs(shift[1])) > limit:
        warnings.append(
            f"large shift: over {LARGE_SHIFT_FRACTION:.0%} of the section ({limit:.0f} px)"
        )
    least = MIN_PEAK_RATIO if inverted_modality else MIN_PLAIN_PEAK_RATIO
    if ratio < least:
        warnings.append(f"weak peak: {ratio:.2f} times the next one (under {least:g})")
    # The plain correlation matches a dark nucleus as well as a bright one (a phase-contrast
    # cell is dark), so a negative correlation is a warning sign on an RI tomogram only.
    if inverted_modality and correlation is not None and correlation < 0:
        warnings.append(
            "inverted contrast: once aligned, the images correlate negatively "
            f"({correlation:.2f}), as an RI nucleus darker than its cytoplasm does"
        )
    if inverted_modality:
        warnings.append(
            "RI tomogram: the nucleus may be darker than the cytoplasm while the stain is "
            "bright, so the correlation can lock onto the wrong structure"
        )
    return ShiftEstimate(
        dy=shift[0],
        dx=shift[1],
        peak_ratio=ratio,
        correlation=correlation,
        warnings=warnings,
    )
