"""A mask saved in colour (RGB, RGBA), read by the rule of ``colour`` (docs/imports.md):

- red, green and blue equal everywhere: grey, that plane (a black-and-white mask saved as RGB);
- otherwise a **colour-coded label image**: black (0, 0, 0) is background and each other colour
  is one nucleus. Read as a binary mask it may hold one colour besides black (red nuclei on
  black: 1 where coloured). Read as instances each colour becomes one id, numbered in the order
  the colours first appear (row by row, section by section), where that is unambiguous: a black
  background, at most 65,535 colours, and each colour one connected region (8-connected in a
  section, 26 in a stack). Two regions of one colour (a label LUT that repeats its colours)
  could be two nuclei or one, and are refused, as is everything else in colour: a photograph,
  an overlay whose anti-aliased edges blend colours, a probability map in colour.

A transparent pixel has no meaning in a mask: an alpha sample must be opaque everywhere.
"""

from __future__ import annotations

import numpy as np
from skimage.measure import label as connected_regions

from .colour import grey_if_equal
from .errors import MaskError
from .labels import MAX_INSTANCES

__all__ = ["mask_from_colour"]

_EXPORT_GREY = (
    "Export the mask as a grey image: black background and white nuclei, or one number per "
    "nucleus in a 16-bit grey PNG or TIFF (in Fiji: Image > Type > 16-bit)."
)


def mask_from_colour(
    pixels: np.ndarray, *, instances: bool, what: str, one_object: bool = False
) -> np.ndarray:
    """The grey mask, binary mask (uint8 0/1) or instance ids (uint16) that colour ``pixels``
    (samples last: (..., y, x, 3|4)) stand for. ``what`` begins each refusal ("labels.png is a
    colour PNG (mode RGB)"). ``one_object``: the file is one nucleus of a folder of one file per
    nucleus (``imaging/object_masks.py``), so several colours are refused as such."""
    data = np.asarray(pixels)
    if data.dtype.kind not in "ui" or data.dtype.itemsize > 2:
        raise MaskError(
            f"{what} with {data.dtype} samples; a colour mask has 8- or 16-bit colours. "
            + _EXPORT_GREY
        )
    if data.shape[-1] == 4:
        _check_opaque(data[..., 3], what)
    rgb = data[..., :3]
    grey = grey_if_equal(rgb)
    if grey is not None:
        return grey
    bits = 8 * data.dtype.itemsize
    if rgb.min() < 0:
        raise MaskError(f"{what} with negative colour values. " + _EXPORT_GREY)
    codes = _codes(rgb, bits)
    colours, first, inverse = np.unique(codes.ravel(), return_index=True, return_inverse=True)
    black = bool(colours[0] == 0)
    count = len(colours) - black
    if not instances:
        if count == 1:
            return (codes != 0).astype(np.uint8)
        if one_object:
            raise MaskError(
                f"{what} with {count:,} colours besides black ({_shown(colours[black:], bits)}). "
                "In a folder of one file per nucleus each file holds one object: one nucleus in "
                "one colour (or white) on black. Split this file into one file per nucleus; if it "
                "is a colour-coded label image of the whole field, import that file by itself "
                "(with instances), not as part of a folder of per-nucleus files."
            )
        raise MaskError(
            f"{what} with {count:,} colours besides black ({_shown(colours[black:], bits)}), so it "
            "is not a black-and-white mask. A colour mask is one colour on black; if each "
            "colour is one nucleus (a colour-coded label image), import it as instances. "
            + _EXPORT_GREY
        )
    return _instances(codes.shape, colours, first, inverse, black=black, bits=bits, what=what)


def _instances(shape, colours, first, inverse, *, black: bool, bits: int, what: str) -> np.ndarray:
    count = len(colours) - black
    if not black:
        raise MaskError(
            f"{what} without a black background: a colour-coded label image is black (0, 0, 0) "
            "where there is no nucleus and one colour per nucleus. " + _EXPORT_GREY
        )
    if count > MAX_INSTANCES:
        raise MaskError(
            f"{what} with {count:,} colours; a colour-coded label image holds one colour per "
            f"nucleus and at most {MAX_INSTANCES:,} nuclei (a photograph?). " + _EXPORT_GREY
        )
    # Ids in the order the colours first appear; black (index 0) stays 0.
    id_of = np.zeros(len(colours), dtype=np.uint16)
    id_of[1 + np.argsort(first[1:], kind="stable")] = np.arange(1, count + 1, dtype=np.uint16)
    ids = id_of[inverse.ravel()].reshape(shape)
    regions, found = connected_regions(ids, background=0, connectivity=ids.ndim, return_num=True)
    if found != count:
        starts = np.unique(regions.ravel(), return_index=True)[1][1:]  # one pixel per region
        per_id = np.bincount(ids.ravel()[starts], minlength=count + 1)
        split = np.flatnonzero(per_id > 1)
        by_id = colours[np.argsort(id_of)]  # colour code of each id
        shown = ", ".join(
            f"{_colour(by_id[i], bits)} ({per_id[i]} regions)" for i in split[:3].tolist()
        )
        raise MaskError(
            f"{what} in which {len(split):,} colour(s) cover separate regions: {shown}"
            f"{' …' if len(split) > 3 else ''}. Read as a colour-coded label image, one colour is "
            "one nucleus, so regions of one colour cannot be told apart from one nucleus in "
            "pieces (a label LUT repeats its colours; a photograph or an anti-aliased overlay "
            "is no label image). " + _EXPORT_GREY
        )
    return ids


def _codes(rgb: np.ndarray, bits: int) -> np.ndarray:
    """One number per pixel for its colour: red, green and blue side by side."""
    wide = np.uint32 if bits == 8 else np.uint64
    out = rgb[..., 0].astype(wide) << wide(2 * bits)
    out |= rgb[..., 1].astype(wide) << wide(bits)
    out |= rgb[..., 2].astype(wide)
    return out


def _colour(code: int, bits: int) -> str:
    code, mask = int(code), (1 << bits) - 1
    return f"({code >> 2 * bits}, {(code >> bits) & mask}, {code & mask})"


def _shown(codes: np.ndarray, bits: int, most: int = 4) -> str:
    text = ", ".join(_colour(c, bits) for c in codes[:most].tolist())
    return text + (f" and {len(codes) - most:,} more" if len(codes) > most else "")


def _check_opaque(alpha: np.ndarray, what: str) -> None:
    if alpha.min() < np.iinfo(alpha.dtype).max:
        raise MaskError(
            f"{what} with transparent pixels; a transparent pixel means neither background nor "
            "nucleus. Export the mask on an opaque black background."
        )
