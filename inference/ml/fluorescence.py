"""Nucleus ground truth from a nuclear-stain fluorescence stack (DAPI, Hoechst).

The OS-Net paper's cross-modality and cross-laboratory masks "were directly obtained by
thresholding the fluorescence images that were simultaneously obtained with ODT". The paper does
not give the threshold, so it is a parameter here and the one actually used is returned with the
masks, to be stored next to the ground truth it produced.

Per section: Gaussian smoothing (``smoothing_sigma`` pixels, in-plane) -> with Otsu, the uneven
background subtracted (``stain_background.py``, ``background_block``) -> threshold (Otsu of the
section, Otsu of the whole volume, both with a saturated plateau and nuclei far brighter than
the others left out, ``stain_otsu.py``; or a fixed value, on the smoothed stain as imaged) ->
fill holes -> remove objects under ``min_size`` pixels -> remove the nuclei touching the section
border (touching nuclei split first, so a cluster's inner nuclei stay). The stain is bright on a
dark background, so foreground = above the threshold.

A section without signal (constant, or a value range below 1e-6 of its magnitude) yields an empty
mask and a threshold of None: Otsu would otherwise split rounding noise in two. Sections that
hold only camera noise (above and below the nucleus) are not constant; Otsu per section will
still segment noise blobs there, so ``scope="volume"`` (the default) suits stacks that extend beyond the
nucleus: one threshold from the whole stack puts those sections below it.

Two defaults make the mask follow the stain wherever it shows a nucleus (docs/fluorescence.md
compares the options on the demo's known nuclei):

- ``small_objects="volume"``: objects under ``min_size`` are counted in 3D, so the pole of a
  nucleus (a few pixels above the threshold in its first section) is kept with the nucleus
  instead of being dropped as a speck of that one section;
- ``local_fill=True`` (Otsu only; a fixed value is applied as given): a section whose stain
  shows signal but whose mask is still empty is thresholded at half its own peak above the
  background (the half-maximum edge).

Stain signal, independent of the threshold (``stain_signal.py``): per section, the 32nd
brightest smoothed pixel (one hot pixel does not count) stands above the volume's background by
at least ``signal_snr`` noise standard deviations and ``signal_fraction`` of the volume's
brightest section. Each section gets a quality flag: ``"signal_no_mask"`` (the stain shows
signal, the mask is empty) or ``"mask_no_signal"`` (a mask where the stain shows none), else
None.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from scipy import ndimage as ndi
from skimage.segmentation import clear_border

from .baselines import remove_small
from .objects import label_instances
from .stain_background import BACKGROUND_BLOCK, flatten
from .stain_otsu import stack_otsu
from .stain_saturation import RIM, find_saturation
from .stain_signal import (
    MASK_NO_SIGNAL,
    QUALITY_FLAGS,
    SIGNAL_NO_MASK,
    quality_flag,
    section_statistics,
    stain_signal,
    without_hot_pixels,
)

__all__ = [
    "EXTENTS",
    "MASK_NO_SIGNAL",
    "QUALITY_FLAGS",
    "SIGNAL_NO_MASK",
    "FluorescenceGTParams",
    "border_nuclei",
    "fluorescence_ground_truth",
    "quality_flag",
    "stain_signal",
]

# Where a threshold is found, or small objects are counted: each section, or the whole volume.
EXTENTS = ("section", "volume")

_FLAT_RELATIVE_RANGE = 1e-6


@dataclass(frozen=True)
class FluorescenceGTParams:
    """How a fluorescence stack is turned into nucleus masks (see the module docstring).

    ``method="fixed"`` needs ``value`` (a smoothed intensity); ``method="otsu"`` ignores it.
    """

    method: Literal["otsu", "fixed"] = "otsu"
    value: float | None = None
    scope: Literal["section", "volume"] = "volume"
    smoothing_sigma: float = 1.0
    fill_holes: bool = True
    min_size: int = 64
    remove_border: bool = True
    small_objects: Literal["section", "volume"] = "volume"
    local_fill: bool = True
    signal_snr: float = 10.0
    signal_fraction: float = 0.2
    background_block: int = BACKGROUND_BLOCK
    leave_out_bright: bool = True

    def __post_init__(self) -> None:
        if self.method not in ("otsu", "fixed"):
            raise ValueError(f"method must be 'otsu' or 'fixed', got {self.method!r}")
        if self.scope not in EXTENTS:
            raise ValueError(f"scope must be 'section' or 'volume', got {self.scope!r}")
        if self.method == "fixed" and self.value is None:
            raise ValueError("method='fixed' requires a threshold value")
        if self.value is not None and not np.isfinite(self.value):
            raise ValueError(f"value must be a finite number, got {self.value}")
        if self.smoothing_sigma < 0:
            raise ValueError(f"smoothing_sigma must be >= 0, got {self.smoothing_sigma}")
        if self.min_size < 0:
            raise ValueError(f"min_size must be >= 0, got {self.min_size}")
        if self.small_objects not in EXTENTS:
            raise ValueError(
                f"small_objects must be 'section' or 'volume', got {self.small_objects!r}"
            )
        if not (np.isfinite(self.signal_snr) and self.signal_snr >= 0):
            raise ValueError(f"signal_snr must be >= 0, got {self.signal_snr}")
        if not (np.isfinite(self.signal_fraction) and 0 <= self.signal_fraction <= 1):
            raise ValueError(f"signal_fraction must be within [0, 1], got {self.signal_fraction}")
        if self.background_block < 0:
            raise ValueError(f"background_block must be >= 0, got {self.background_block}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _is_flat(image: np.ndarray) -> bool:
    low, high = float(image.min()), float(image.max())
    return high - low <= _FLAT_RELATIVE_RANGE * max(abs(low), abs(high), 1.0)


def _smooth(section: np.ndarray, params: FluorescenceGTParams) -> np.ndarray:
    """The section smoothed, and with Otsu its uneven background subtracted
    (``stain_background.py``; a fixed value is a level of the stain as imaged)."""
    image = np.asarray(section, dtype=np.float64)
    if params.smoothing_sigma > 0:
        image = ndi.gaussian_filter(image, params.smoothing_sigma)
    if params.method == "otsu":
        image = flatten(image, params.background_block)
    return image


def _clean(
    mask: np.ndarray,
    params: FluorescenceGTParams,
    *,
    small: bool = True,
    stain: np.ndarray | None = None,
) -> np.ndarray:
    if params.fill_holes:
        mask = ndi.binary_fill_holes(mask)
    if small:
        mask = remove_small(mask, params.min_size)
    if params.remove_border:
        mask = _clear_border_nuclei(np.asarray(mask, dtype=bool), stain)
    return np.asarray(mask, dtype=bool)


def _clear_border_nuclei(mask: np.ndarray, stain: np.ndarray | None = None) -> np.ndarray:
    """The mask without the nuclei that touch the section's border (``border_nuclei``)."""
    return mask & ~border_nuclei(mask, stain)


def border_nuclei(mask: np.ndarray, stain: np.ndarray | None = None) -> np.ndarray:
    """The pixels of a mask's nuclei that touch the section's border. Touching nuclei are split
    first, as evaluations split them (``label_instances``: watershed of the distance transform),
    so in a crowded field only the nuclei the border cuts count, not every nucleus of a cluster
    that reaches it. With the section's ``stain`` (hot pixels replaced), nuclei pressed flat
    against each other are told apart by their dimmer boundary too (``label_instances``)."""
    mask = np.asarray(mask, dtype=bool)
    if not (mask[0].any() or mask[-1].any() or mask[:, 0].any() or mask[:, -1].any()):
        return np.zeros_like(mask)
    nuclei = label_instances(mask, split_touching=True, stain=stain)
    return (nuclei > 0) & (clear_border(nuclei) == 0)


def _remove_small_3d(masks: np.ndarray, min_size: int) -> np.ndarray:
    """Drop 3D-connected objects under ``min_size`` voxels, labelled inside the foreground's
    bounding box only (a full-size label array of a large stack would cost gigabytes)."""
    if min_size <= 1 or not masks.any():
        return masks
    box = ndi.find_objects(masks.astype(np.uint8))[0]
    labels, _ = ndi.label(masks[box], output=np.int32)
    sizes = np.bincount(labels.ravel())
    keep = sizes >= min_size
    keep[0] = False
    out = np.zeros_like(masks)
    out[box] = keep[labels]
    return out


def fluorescence_ground_truth(
    stack: np.ndarray, params: FluorescenceGTParams | None = None
) -> tuple[np.ndarray, dict[str, Any]]:
    """Threshold a fluorescence stack ``(z, y, x)`` or a single section ``(y, x)`` into masks.

    Returns ``(masks, info)``: ``masks`` is bool with the input's shape; ``info`` holds
    ``params`` (the dict of ``params``), ``thresholds`` (one per section, None for a section
    without signal), ``volume_threshold`` (the single threshold for ``scope="volume"`` or
    ``method="fixed"``, else None), ``empty_sections`` (indices whose mask is empty),
    ``signal`` (per section: does the stain show signal), ``quality`` (per section: a key of
    ``QUALITY_FLAGS`` or None), ``filled_sections`` (indices thresholded at their half maximum by
    ``local_fill``; their entry in ``thresholds`` is that level) and ``stain_levels`` (the
    volume's background, noise and peak).
    """
    params = params or FluorescenceGTParams()
    array = np.asarray(stack)
    if array.ndim not in (2, 3):
        raise ValueError(f"expected a (z, y, x) stack or a (y, x) section, got {array.shape}")
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise ValueError(f"fluorescence must be real-valued, got {array.dtype}")
    if not np.all(np.isfinite(array)):
        raise ValueError("fluorescence contains NaN or infinite values")
    sections = array[None] if array.ndim == 2 else array
    flat = [_is_flat(section) for section in sections]

    volume_threshold: float | None = None
    if params.method == "fixed":
        volume_threshold = float(params.value)  # type: ignore[arg-type]
    saturation = find_saturation(sections, flat, params.smoothing_sigma)
    last: dict[int, np.ndarray] = {}

    def prepared(i: int) -> np.ndarray:
        """One smoothed section at a time (a 260x860x860 stack in float64 would need 1.5 GB),
        the last one kept: the threshold reads each section several times."""
        if i not in last:
            last.clear()
            last[i] = _smooth(sections[i], params)
        return last[i]

    def otsu(indices: list[int]) -> float | None:
        return stack_otsu(
            sections,
            indices,
            prepared,
            saturation,
            params.signal_snr,
            rim=RIM + int(np.ceil(3 * params.smoothing_sigma)),
            min_size=params.min_size,
            leave_out_bright=params.leave_out_bright,
            sigma=params.smoothing_sigma,
        )

    if params.method == "otsu" and params.scope == "volume":
        volume_threshold = otsu([i for i, is_flat in enumerate(flat) if not is_flat])

    masks = np.zeros(sections.shape, dtype=bool)
    thresholds: list[float | None] = []
    statistics: list[tuple[float, float, float] | None] = []
    per_section_small = params.small_objects == "section" or array.ndim == 2
    for index, is_flat in enumerate(flat):
        if is_flat:
            thresholds.append(None)
            statistics.append(None)
            continue
        smoothed = prepared(index)
        stain = without_hot_pixels(sections[index], params.signal_snr)
        clean = _smooth(stain, params)
        statistics.append(section_statistics(smoothed, clean))
        if params.method == "otsu" and params.scope == "section":
            threshold: float | None = otsu([index])
        else:
            threshold = volume_threshold
        thresholds.append(threshold)
        if threshold is None:
            continue
        masks[index] = _clean(smoothed > threshold, params, small=per_section_small, stain=stain)
    if not per_section_small:
        masks = _remove_small_3d(masks, params.min_size)

    signal, levels = stain_signal(statistics, params)
    filled = []
    if params.local_fill and params.method == "otsu":  # a fixed value is the user's word
        for index, stats in enumerate(statistics):
            if stats is None or not signal[index] or masks[index].any():
                continue
            half_maximum = levels["background"] + 0.5 * (stats[2] - levels["background"])
            smoothed = _smooth(sections[index], params)
            stain = without_hot_pixels(sections[index], params.signal_snr)
            masks[index] = _clean(smoothed > half_maximum, params, stain=stain)
            thresholds[index] = float(half_maximum)
            filled.append(index)
    quality = [
        quality_flag(stain_signal=signal[i], has_mask=bool(masks[i].any()))
        for i in range(len(masks))
    ]

    info: dict[str, Any] = {
        "params": params.to_dict(),
        "thresholds": thresholds,
        "volume_threshold": volume_threshold,
        "empty_sections": [i for i in range(len(masks)) if not masks[i].any()],
        "signal": signal,
        "quality": quality,
        "filled_sections": filled,
        "stain_levels": levels,
        "saturated_pixels": saturation.pixels,
    }
    return (masks[0] if array.ndim == 2 else masks), info
