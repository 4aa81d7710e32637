"""Rule-based baselines that OS-Net is compared with: the edge-based method and Otsu.

Edge-based (paper 000, Sec. II): "the gradient of the image pixels was first calculated using the
3 × 3 Sobel operator. Then, a dilated gradient mask was created from the calculated gradient
mask, and the interior gap was filled. After that, the surrounding diamond structuring elements
were removed using a smoothing kernel, and the segmentation map was generated." Border-connected
and small objects are removed as well (docs/domain.md). The paper shows why it loses: it "falsely
identified the nucleolus or organelles with higher RI values than surrounding pixels as part of
the nuclear region" - that is the point of the baseline, not a bug here.

Both baselines work on one 2D section of any real dtype and return an empty mask, never an
exception, for a constant (or NaN-only) section.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import ndimage as ndi
from skimage.filters import sobel, threshold_otsu
from skimage.morphology import disk, remove_small_objects
from skimage.segmentation import clear_border

__all__ = [
    "BaselineResult",
    "EdgeBasedParams",
    "edge_based",
    "edge_based_params",
    "edge_based_result",
    "otsu",
    "otsu_result",
    "remove_small",
]

# A section whose value range is at most this fraction of its magnitude carries no edge or class
# structure; thresholding it would only segment rounding noise.
_FLAT_RELATIVE_RANGE = 1e-6


def remove_small(mask: np.ndarray, min_size: int) -> np.ndarray:
    """Drop connected objects with fewer than ``min_size`` pixels (``min_size`` <= 1 keeps all)."""
    if min_size <= 1:
        return mask
    try:
        # scikit-image >= 0.26 removes objects of size <= max_size.
        return remove_small_objects(mask, max_size=min_size - 1)
    except TypeError:
        return remove_small_objects(mask, min_size=min_size)


@dataclass(frozen=True)
class EdgeBasedParams:
    """Parameters of :func:`edge_based`. ``threshold`` None = Otsu of the gradient magnitude."""

    threshold: float | None = None
    dilation_radius: int = 2
    min_size: int = 64
    smooth_sigma: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def edge_based_params() -> EdgeBasedParams:
    """The default parameters, for reports that list what a baseline was run with."""
    return EdgeBasedParams()


@dataclass(frozen=True)
class BaselineResult:
    """A baseline mask and the parameters actually used (``threshold_used`` filled in)."""

    mask: np.ndarray
    params: dict[str, Any]


def _as_section(section: np.ndarray) -> np.ndarray | None:
    """float64 copy of a 2D section with NaN replaced by its finite mean; None if it is flat."""
    image = np.asarray(section, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(f"expected one 2D section, got shape {image.shape}")
    finite = np.isfinite(image)
    if not finite.any():
        return None
    if not finite.all():
        image = np.where(finite, image, image[finite].mean())
    low, high = float(image.min()), float(image.max())
    if high - low <= _FLAT_RELATIVE_RANGE * max(abs(low), abs(high), 1.0):
        return None
    return image


def edge_based_result(section: np.ndarray, params: EdgeBasedParams | None = None) -> BaselineResult:
    """Edge-based segmentation and the parameters used (see :func:`edge_based`)."""
    params = params or EdgeBasedParams()
    if params.dilation_radius < 0 or params.min_size < 0 or params.smooth_sigma < 0:
        raise ValueError(f"edge-based parameters must be non-negative, got {params}")
    used = params.to_dict()
    image = _as_section(section)
    if image is None:
        used["threshold_used"] = None
        return BaselineResult(np.zeros(np.shape(section), dtype=bool), used)

    # skimage's sobel is the 3x3 Sobel magnitude sqrt((gx² + gy²) / 2).
    gradient = sobel(image)
    if params.threshold is None:
        if np.ptp(gradient) <= 0:
            used["threshold_used"] = None
            return BaselineResult(np.zeros(image.shape, dtype=bool), used)
        threshold = float(threshold_otsu(gradient))
    else:
        threshold = float(params.threshold)
    used["threshold_used"] = threshold

    mask = gradient > threshold
    if params.dilation_radius > 0:
        mask = ndi.binary_dilation(mask, structure=disk(params.dilation_radius))
    mask = ndi.binary_fill_holes(mask)
    mask = clear_border(mask)
    mask = remove_small(mask, params.min_size)
    if params.smooth_sigma > 0 and mask.any():
        # Rounds off the jagged outline the dilated edge ring leaves (the paper's smoothing step).
        mask = ndi.gaussian_filter(mask.astype(np.float32), params.smooth_sigma) > 0.5
    return BaselineResult(np.asarray(mask, dtype=bool), used)


def edge_based(
    section: np.ndarray,
    *,
    threshold: float | None = None,
    dilation_radius: int = 2,
    min_size: int = 64,
    smooth_sigma: float = 1.0,
) -> np.ndarray:
    """Edge-based nucleus mask of one section (the OS-Net paper's rule-based baseline).

    3x3 Sobel gradient magnitude -> threshold (Otsu of the gradient when ``threshold`` is None)
    -> binary dilation with a disk of ``dilation_radius`` -> fill holes -> remove objects touching
    the border and objects smaller than ``min_size`` pixels -> smooth (Gaussian of the mask with
    ``smooth_sigma``, then > 0.5). Gradients do not care whether the nucleus is brighter or darker
    than the cytoplasm. Use :func:`edge_based_result` to also get the threshold used.
    """
    params = EdgeBasedParams(threshold, dilation_radius, min_size, smooth_sigma)
    return edge_based_result(section, params).mask


def otsu_result(
    section: np.ndarray, *, min_size: int = 64, fill_holes: bool = True
) -> BaselineResult:
    """Otsu baseline and the threshold used (see :func:`otsu`)."""
    used: dict[str, Any] = {"min_size": min_size, "fill_holes": fill_holes}
    image = _as_section(section)
    if image is None:
        used["threshold_used"] = None
        return BaselineResult(np.zeros(np.shape(section), dtype=bool), used)
    threshold = float(threshold_otsu(image))
    used["threshold_used"] = threshold
    mask = image > threshold
    if fill_holes:
        mask = ndi.binary_fill_holes(mask)
    mask = remove_small(mask, min_size)
    return BaselineResult(np.asarray(mask, dtype=bool), used)


def otsu(section: np.ndarray, *, min_size: int = 64, fill_holes: bool = True) -> np.ndarray:
    """Otsu threshold of the section (foreground = brighter class), holes filled, objects under
    ``min_size`` pixels removed; every remaining component is kept.

    This assumes the nucleus is the bright class, which is false for some cells (HL60 nuclei
    are darker than their cytoplasm): a naive baseline by design.
    """
    return otsu_result(section, min_size=min_size, fill_holes=fill_holes).mask
