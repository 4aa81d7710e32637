"""Ground truth derived from a paired nuclear-stain stack (DAPI, Hoechst): paper 000's
cross-modality and cross-laboratory masks, "directly obtained by thresholding the fluorescence
images that were simultaneously obtained with ODT".

Masks belong to the LABEL-FREE section (the image a network sees), as ``GroundTruth`` rows with
``source="fluorescence"``, versioned like confirmed consensus: deriving again adds a version and
the previous one stops being current; nothing is overwritten. Every parameter, the threshold
actually used for the section and the stain section it came from are stored in ``params`` and
shown wherever the mask is shown. A reviewer may correct a mask; the correction is one more
version (``edited``), with the pixels added and removed. A stain imaged a few pixels off its
label-free image is moved back by the shift a reviewer confirmed (``shift``) before thresholding.
"""

from .derive import fluorescence_gt_create, fluorescence_gt_preview
from .edit import fluorescence_gt_edit
from .pairs import (
    FLAGGED,
    FluorescencePair,
    fluorescence_gt_params,
    fluorescence_pairs,
)
from .shift import (
    StainShiftResult,
    stain_shift_estimate,
    stain_shift_public,
    stain_shift_set,
    stain_volume_check,
)

__all__ = [
    "FLAGGED",
    "FluorescencePair",
    "StainShiftResult",
    "fluorescence_gt_create",
    "fluorescence_gt_edit",
    "fluorescence_gt_params",
    "fluorescence_gt_preview",
    "fluorescence_pairs",
    "stain_shift_estimate",
    "stain_shift_public",
    "stain_shift_set",
    "stain_volume_check",
]
