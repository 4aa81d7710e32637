"""Which class values a stored mask PNG holds, whatever codec wrote it.

Used to tell whether a class is in use before it may be deleted. A binary mask (1-bit, or
0/255 grey or colour as older tools wrote it) holds class 1 wherever it is not empty; a class
map holds its distinct pixel values; an instance map's classes come from its class table,
read from the header without decoding a pixel.
"""

from __future__ import annotations

import numpy as np

from .labels import _LABEL_MODES, _class_table, _label_pixels, _positive_values
from .masks import _open_png, decode_mask

__all__ = ["stored_label_values"]


def stored_label_values(data: bytes) -> set[int]:
    """The class values (1-255) present in a stored mask PNG; an empty mask holds none."""
    image = _open_png(data)
    table = _class_table(image)
    if table is not None:
        return {int(value) for value in np.unique(table) if value}
    if image.mode == "1" or image.mode not in _LABEL_MODES:
        return {1} if decode_mask(data).any() else set()
    present = {int(value) for value in _positive_values(_label_pixels(image, "mask"))}
    return {1} if present == {255} else present  # a 0/255 grey binary mask is class 1
