"""A small, fast PNG writer: 8-bit grey, palette and RGB, 16-bit grey, and compressed text.

Pillow's PNG encoder tries five row filters per row and compresses with zlib; for section images
and label masks one filter and ISA-L's deflate give files within a few percent of its size in a
fraction of its time. Anything written here is a standard PNG that Pillow, browsers, Fiji and
napari read.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping

import numpy as np
from isal import isal_zlib

__all__ = ["PNG_COMPRESS_LEVEL", "encode_png"]

# ISA-L level 1 (of 0-3): the fastest level that still finds repeats (flat background).
PNG_COMPRESS_LEVEL = 1
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_GREY, _PNG_RGB, _PNG_PALETTE = 0, 2, 3
_PNG_FILTER_UP = 2


def encode_png(
    pixels: np.ndarray,
    *,
    palette: bytes | None = None,
    text: Mapping[str, str] | None = None,
) -> bytes:
    """Encode uint8 grey (h, w), palette-indexed (h, w), RGB (h, w, 3) or uint16 grey (h, w).

    Every row uses the PNG "Up" filter, computed for the whole image at once;
    for smooth micrographs it compresses as well as Pillow's per-row adaptive
    filtering at about half the encoding time. ``text`` entries become compressed
    text chunks (zTXt, Latin-1 keywords of 1-79 characters) ahead of the pixels, so a
    reader finds them without decoding the image.
    """
    pixels = np.asarray(pixels)
    bit_depth = 16 if pixels.dtype == np.uint16 else 8
    if bit_depth == 16:
        if pixels.ndim != 2 or palette is not None:
            raise ValueError(f"Cannot encode pixels of shape {pixels.shape} as PNG.")
        colour_type = _PNG_GREY
        # PNG stores 16-bit samples big-endian.
        pixels = pixels.astype(">u2", copy=False).view(np.uint8)
    elif pixels.ndim == 3 and pixels.shape[2] == 3 and palette is None:
        colour_type = _PNG_RGB
    elif pixels.ndim == 2:
        colour_type = _PNG_GREY if palette is None else _PNG_PALETTE
    else:
        raise ValueError(f"Cannot encode pixels of shape {pixels.shape} as PNG.")
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    height, width = pixels.shape[0], pixels.shape[1] // (bit_depth // 8)
    rows = pixels.reshape(height, -1)
    filtered = np.empty((height, rows.shape[1] + 1), dtype=np.uint8)
    filtered[:, 0] = _PNG_FILTER_UP
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    chunks = [_png_chunk(b"IHDR", header)]
    if palette is not None:
        chunks.append(_png_chunk(b"PLTE", palette))
    for keyword, value in (text or {}).items():
        chunks.append(_text_chunk(keyword, value))
    # ISA-L's deflate (a standard zlib stream) at level 1 takes a third of zlib's time for a
    # 448² micrograph, within a few percent of its size, and releases the GIL while it works.
    chunks.append(_png_chunk(b"IDAT", isal_zlib.compress(filtered, PNG_COMPRESS_LEVEL)))
    chunks.append(_png_chunk(b"IEND", b""))
    return _PNG_SIGNATURE + b"".join(chunks)


def _text_chunk(keyword: str, value: str) -> bytes:
    key = keyword.encode("latin-1")
    if not 1 <= len(key) <= 79 or b"\x00" in key:
        raise ValueError(f"A PNG text keyword has 1-79 characters and no NUL; got {keyword!r}.")
    # zTXt: keyword, NUL, compression method 0 (deflate), compressed Latin-1 text.
    body = key + b"\x00\x00" + zlib.compress(value.encode("latin-1"), 6)
    return _png_chunk(b"zTXt", body)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
