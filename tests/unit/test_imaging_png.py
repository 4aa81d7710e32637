"""The PNG writer: 16-bit grey samples and text chunks (8-bit modes are tested with rendering)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from annotations.imaging.png import encode_png


def _decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data), formats=["PNG"])
    image.load()
    return image


def test_uint16_grey_round_trips_through_pillow_exactly():
    rng = np.random.default_rng(3)
    values = rng.integers(0, 65536, size=(37, 29), dtype=np.uint16)
    values[0, 0], values[-1, -1] = 0, 65535
    image = _decode(encode_png(values))
    assert image.mode == "I;16"
    np.testing.assert_array_equal(np.asarray(image), values)


def test_text_chunks_are_read_before_the_pixels_are_decoded():
    data = encode_png(np.zeros((4, 5), np.uint8), text={"label-set": "1:nucleus"})
    image = Image.open(io.BytesIO(data), formats=["PNG"])  # header and chunks before IDAT only
    assert image.info["label-set"] == "1:nucleus"
    assert data.index(b"zTXt") < data.index(b"IDAT")


@pytest.mark.parametrize("keyword", ["", "k" * 80, "a\x00b"])
def test_invalid_text_keywords_are_refused(keyword):
    with pytest.raises(ValueError, match="keyword"):
        encode_png(np.zeros((2, 2), np.uint8), text={keyword: "x"})


def test_uint16_rgb_is_refused():
    with pytest.raises(ValueError, match="Cannot encode"):
        encode_png(np.zeros((2, 2, 3), np.uint16))
