"""Reading, rendering and mask handling for label-free microscopy images.

Pure numpy/scipy/scikit-image code with no Django dependency, so it can run in
web requests, background workers and scripts alike.
"""

from .errors import ImageReadError, ImagingError, MaskError
from .masks import (
    decode_mask,
    encode_mask,
    mask_contours,
    mask_to_polygons,
    polygon_area,
    polygons_to_mask,
)
from .outlines import mask_outlines
from .readers import (
    LABEL_FREE_MODALITIES,
    MIN_SECTION_SIZE,
    MODALITIES,
    ImageSource,
    VolumeHandle,
    open_image,
    sha256_file,
)
from .render import (
    DEFAULT_RI_WINDOW,
    TINTS,
    display_window,
    encode_png,
    render_overlay_png,
    render_png,
    to_uint8,
)
from .sections import resize_mask, resize_section, section_stats

__all__ = [
    "DEFAULT_RI_WINDOW",
    "LABEL_FREE_MODALITIES",
    "MIN_SECTION_SIZE",
    "MODALITIES",
    "TINTS",
    "ImageReadError",
    "ImageSource",
    "ImagingError",
    "MaskError",
    "VolumeHandle",
    "decode_mask",
    "display_window",
    "encode_mask",
    "encode_png",
    "mask_contours",
    "mask_outlines",
    "mask_to_polygons",
    "open_image",
    "polygon_area",
    "polygons_to_mask",
    "render_overlay_png",
    "render_png",
    "resize_mask",
    "resize_section",
    "section_stats",
    "sha256_file",
    "to_uint8",
]
