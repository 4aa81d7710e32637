"""Decompression bombs: a small PNG that declares a huge image is refused from its header.

An 8000×8000 RGBA PNG compresses to a few hundred KB but decodes to 256 MB; six such uploads at
once took a web process from 630 MB to 2.9 GB because the alpha channel was checked before the
size was compared with the section. Here no pixel of such a PNG may be decoded at all.
"""

from __future__ import annotations

import io
import struct
import tracemalloc
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from annotations.imaging.masks import MaskError, decode_mask, encode_mask
from annotations.models import Section
from annotations.services.annotation import mask_from_payload
from cellweb.errors import InvalidInput

SHAPE = (48, 64)  # height, width of the section the masks are drawn on
# Far below the 256 MB that decoding the bomb takes; the header and a few objects fit easily.
PEAK_BYTES_LIMIT = 8 * 1024 * 1024


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int, *, colour_type: int = 6) -> bytes:
    """A valid PNG of all-zero pixels (transparent black for RGBA), built row by row.

    Written by hand so the test itself never holds the decoded image in memory.
    """
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = bytes(1 + width * channels)  # filter byte 0, then the pixels
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def rgba_bomb() -> bytes:
    return bomb_png(8000, 8000)


@pytest.fixture
def decodes(monkeypatch) -> list[tuple[int, int]]:
    """The size of every PNG whose pixels get decoded (Pillow's ``ImageFile.load``)."""
    seen: list[tuple[int, int]] = []
    original = ImageFile.ImageFile.load

    def load(image):
        seen.append(image.size)
        return original(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return seen


def peak_bytes(call) -> int:
    tracemalloc.start()
    try:
        call()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def png(array: np.ndarray, mode: str | None = None, **save_args) -> bytes:
    image = Image.fromarray(array)
    if mode is not None:
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **save_args)
    return buffer.getvalue()


def nucleus() -> np.ndarray:
    yy, xx = np.mgrid[: SHAPE[0], : SHAPE[1]]
    return ((yy - 20) / 14.0) ** 2 + ((xx - 35) / 20.0) ** 2 <= 1.0


# --------------------------------------------------------------------------- the codec


def test_the_bomb_is_small_on_the_wire(rgba_bomb):
    assert len(rgba_bomb) < 400 * 1024
    assert Image.open(io.BytesIO(rgba_bomb)).size == (8000, 8000)


def test_a_bomb_of_the_wrong_size_is_refused_before_any_pixel_is_decoded(rgba_bomb, decodes):
    def decode():
        with pytest.raises(MaskError, match="8000×8000 pixels but the section is 64×48"):
            decode_mask(rgba_bomb, SHAPE)

    assert peak_bytes(decode) < PEAK_BYTES_LIMIT
    assert decodes == []


def test_without_a_section_shape_the_pixel_ceiling_still_applies(decodes):
    with pytest.raises(MaskError, match="9000×9000 pixels, far larger than any section"):
        decode_mask(bomb_png(9000, 9000, colour_type=0))
    assert decodes == []


@pytest.mark.parametrize("shape", [SHAPE, None])
def test_a_png_past_the_image_libraries_own_ceiling_is_named_by_its_size(shape, decodes):
    # 10000 × 10000 is past Pillow's decompression-bomb limit, which refuses it before the
    # pixel ceiling is compared: it is a valid PNG, not a corrupt one.
    with pytest.raises(MaskError, match="10000×10000 pixels, far larger than any section"):
        decode_mask(bomb_png(10000, 10000, colour_type=0), shape)
    assert decodes == []


@pytest.mark.parametrize("mode", ["1", "L", "RGB", "RGBA", "LA", "P", "I;16"])
def test_valid_masks_still_decode_bit_identically(mode):
    mask = nucleus()
    grey = np.where(mask, 255, 0).astype(np.uint8)
    data = png(grey, mode) if mode != "I;16" else png(np.where(mask, 65535, 0).astype(np.uint16))
    decoded = decode_mask(data, SHAPE)
    assert decoded.dtype == bool and decoded.shape == SHAPE
    np.testing.assert_array_equal(decoded, mask)
    np.testing.assert_array_equal(decode_mask(encode_mask(mask), SHAPE), mask)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(
            png(
                np.dstack(
                    [np.where(nucleus(), 255, 0).astype(np.uint8)] * 3
                    + [np.where(nucleus(), 255, 0).astype(np.uint8)]
                )
            ),
            id="RGBA without a background",
        ),
        pytest.param(
            png(np.where(nucleus(), 255, 0).astype(np.uint8), "P", transparency=0),
            id="palette with a transparent entry",
        ),
        pytest.param(
            png(np.where(nucleus(), 255, 0).astype(np.uint8), transparency=0),
            id="grey with a transparent value",
        ),
    ],
)
def test_transparent_pixels_are_refused_wherever_masks_are_decoded(data):
    with pytest.raises(MaskError, match="transparent pixels"):
        decode_mask(data, SHAPE)


# --------------------------------------------------------------------------- a save


@pytest.fixture
def section(specimen, make_volume):
    return Section.objects.get(volume=make_volume(specimen, shape=(1, *SHAPE)))


def test_a_saved_bomb_is_refused_with_its_size_before_its_alpha_is_looked_at(
    section, rgba_bomb, decodes
):
    def save():
        with pytest.raises(InvalidInput, match="8000×8000 pixels"):
            mask_from_payload(section=section, png_bytes=rgba_bomb)

    assert peak_bytes(save) < PEAK_BYTES_LIMIT
    assert decodes == []


def test_an_opaque_canvas_export_is_still_accepted(section):
    grey = np.where(nucleus(), 255, 0).astype(np.uint8)
    rgba = np.dstack([grey, grey, grey, np.full(SHAPE, 255, np.uint8)])
    np.testing.assert_array_equal(
        mask_from_payload(section=section, png_bytes=png(rgba)), nucleus()
    )
