"""One rule for colour in an image file, shared by the volume readers and the mask import, so a
file means the same as an image and as its mask (docs/imports.md, "Colour or planes").

- **Which axis is colour.** A TIFF page of 3 or 4 interleaved samples per pixel (RGB, RGBA:
  axes YXS, as cameras, ImageJ and image editors write colour) is one colour section, never 3 or
  4 z-sections. A page of 3 or 4 *separate* planes (axes SYX) is 3 or 4 planes (z-sections, or
  channels where the caller names the axis), whatever its bit depth: ``tifffile.imwrite`` stores
  any (3, y, x) or (4, y, x) array so unless told otherwise, so such a file is a short stack
  written from NumPy far more often than a colour picture. Read as colour, a 3-section 8-bit
  label stack would be decoded as one section of "colours" without a word.
- **What the colour means.** A colour section whose red, green and blue are equal everywhere is
  grey (a grey image saved as RGB): it is that plane, exactly, in an image and in a mask.
  Otherwise an image is its luminance (RGB bright-field); a mask is a colour-coded label image
  decoded colour by colour, or refused (``colour_masks``).
"""

from __future__ import annotations

import numpy as np

COLOUR_SAMPLES = (3, 4)  # RGB, RGBA (the fourth is alpha)


def samples_are_planes(axes: str) -> bool:
    """Whether a TIFF page's samples (axes ``axes``) are z-planes (or channels), not colour."""
    return axes.upper() == "SYX"


def colour_axis(axes: str, shape: tuple[int, ...]) -> int | None:
    """The position of the colour samples of an array a TIFF series gave (its ``axes``), or None
    when it has none or they are planes by the rule above."""
    upper = axes.upper()
    if "S" not in upper or len(upper) != len(shape):
        return None
    position = upper.index("S")
    if shape[position] not in COLOUR_SAMPLES or samples_are_planes(upper):
        return None
    return position


def grey_if_equal(pixels: np.ndarray) -> np.ndarray | None:
    """The first plane of colour ``pixels`` (samples last: (..., 3) or (..., 4)) when red, green
    and blue are equal everywhere, else None."""
    red = pixels[..., 0]
    if np.array_equal(red, pixels[..., 1]) and np.array_equal(red, pixels[..., 2]):
        return red
    return None
