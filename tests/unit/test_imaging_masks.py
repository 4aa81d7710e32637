"""Mask PNG encoding/decoding, polygons and contours."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image
from skimage.draw import ellipse

from annotations.imaging import (
    MaskError,
    decode_mask,
    encode_mask,
    mask_contours,
    mask_to_polygons,
    polygon_area,
    polygons_to_mask,
)

SHAPE = (448, 448)


def nucleus_mask(shape=SHAPE, center=(200, 230), radii=(90, 120), rotation=0.3) -> np.ndarray:
    mask = np.zeros(shape, bool)
    rr, cc = ellipse(*center, *radii, shape=shape, rotation=rotation)
    mask[rr, cc] = True
    return mask


def png_bytes(array: np.ndarray, mode: str | None = None) -> bytes:
    buffer = io.BytesIO()
    image = Image.fromarray(array) if mode is None else Image.fromarray(array).convert(mode)
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def dice(a: np.ndarray, b: np.ndarray) -> float:
    return 2 * np.logical_and(a, b).sum() / (a.sum() + b.sum())


# --------------------------------------------------------------------------- encode/decode


@pytest.mark.parametrize("shape", [SHAPE, (37, 53), (1, 1), (300, 7)])
def test_round_trip_random_masks(shape):
    mask = np.random.default_rng(0).random(shape) > 0.5
    decoded = decode_mask(encode_mask(mask), shape)
    assert decoded.dtype == bool and decoded.shape == shape
    np.testing.assert_array_equal(decoded, mask)


@pytest.mark.parametrize("fill", [False, True])
def test_round_trip_empty_and_full(fill):
    mask = np.full((20, 30), fill)
    np.testing.assert_array_equal(decode_mask(encode_mask(mask)), mask)


def test_encoded_mask_is_compact_one_bit_png():
    data = encode_mask(nucleus_mask())
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.mode == "1"
    assert len(data) < 2000


def test_encode_accepts_zero_one_integers_and_rejects_other_values():
    np.testing.assert_array_equal(
        decode_mask(encode_mask(np.array([[0, 1], [1, 0]], np.uint8))),
        [[False, True], [True, False]],
    )
    with pytest.raises(MaskError, match="3 distinct values"):
        encode_mask(np.array([[0, 1], [2, 0]]))
    with pytest.raises(MaskError, match="2D"):
        encode_mask(np.zeros((2, 3, 3), bool))


@pytest.mark.parametrize(
    ("values", "mode"),
    [((0, 255), "L"), ((0, 1), "L"), ((0, 255), "RGB"), ((0, 255), "P"), ((0, 255), "LA")],
)
def test_decode_accepts_common_binary_pngs(values, mode):
    mask = nucleus_mask((40, 50), (20, 25), (10, 15), 0)
    pixels = np.where(mask, values[1], values[0]).astype(np.uint8)
    np.testing.assert_array_equal(decode_mask(png_bytes(pixels, mode), (40, 50)), mask)


def test_decode_accepts_16_bit_masks():
    mask = nucleus_mask((40, 50), (20, 25), (10, 15), 0)
    pixels = np.where(mask, 65535, 0).astype(np.uint16)
    np.testing.assert_array_equal(decode_mask(png_bytes(pixels)), mask)


def test_decode_rejects_corrupt_bytes():
    with pytest.raises(MaskError, match="not a readable PNG"):
        decode_mask(b"definitely not an image")


def test_decode_rejects_truncated_png():
    data = png_bytes(np.random.default_rng(1).integers(0, 2, SHAPE, dtype=np.uint8) * 255)
    with pytest.raises(MaskError, match="not a readable PNG"):
        decode_mask(data[: len(data) // 2])


def test_decode_rejects_other_image_formats():
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((20, 20), np.uint8)).save(buffer, format="BMP")
    with pytest.raises(MaskError, match="not a readable PNG"):
        decode_mask(buffer.getvalue())


def test_decode_rejects_wrong_size():
    data = encode_mask(np.zeros((80, 100), bool))
    with pytest.raises(MaskError, match="mask is 100×80 pixels but the section is 448×448"):
        decode_mask(data, SHAPE)


def test_decode_rejects_greyscale_with_many_values():
    pixels = (np.arange(37, dtype=np.uint8) * 5).repeat(20).reshape(37, 20)
    with pytest.raises(MaskError, match="only two values .* found 37 distinct values"):
        decode_mask(png_bytes(pixels))


def test_decode_rejects_two_values_that_are_not_black_and_white():
    pixels = np.array([[0, 128], [128, 0]], np.uint8)
    with pytest.raises(MaskError, match="found 0 and 128"):
        decode_mask(png_bytes(pixels))


def test_decode_rejects_colour_masks():
    pixels = np.zeros((10, 10, 3), np.uint8)
    pixels[2:5, 2:5] = (255, 0, 0)
    with pytest.raises(MaskError, match="colour"):
        decode_mask(png_bytes(pixels))


# --------------------------------------------------------------------------- polygons


def circle(cx: float, cy: float, r: float, n: int = 256) -> list[list[float]]:
    angles = np.linspace(0, 2 * math.pi, n, endpoint=False)
    return [[cx + r * math.cos(a), cy + r * math.sin(a)] for a in angles]


def test_polygon_area_matches_analytic_disk_area():
    mask = polygons_to_mask([circle(224, 224, 100)], SHAPE)
    assert mask.sum() == pytest.approx(math.pi * 100**2, rel=0.005)


def test_square_polygon_covers_exactly_its_pixels():
    mask = polygons_to_mask([[(10, 20), (30, 20), (30, 25), (10, 25)]], (40, 40))
    expected = np.zeros((40, 40), bool)
    expected[20:25, 10:30] = True
    np.testing.assert_array_equal(mask, expected)


def test_polygon_on_image_edges_is_allowed():
    mask = polygons_to_mask([[(0, 0), (16, 0), (16, 16), (0, 16)]], (16, 16))
    assert mask.all()


def test_polygons_are_united_not_xored():
    a = [(0, 0), (20, 0), (20, 20), (0, 20)]
    b = [(10, 10), (30, 10), (30, 30), (10, 30)]
    mask = polygons_to_mask([a, b], (40, 40))
    assert mask.sum() == 400 + 400 - 100


@pytest.mark.parametrize(
    ("polygon", "message"),
    [
        ([(10, 10), (460, 10), (10, 40)], "x=460.0, y=10.0, outside the 448×448 image"),
        ([(10, -1), (40, 10), (10, 40)], "outside"),
        ([(10, 10), (20, 20)], "at least 3"),
        ([(10, 10), (float("nan"), 20), (30, 5)], "NaN"),
        ([10, 20, 30], "list of \\[x, y\\] points"),
    ],
)
def test_invalid_polygons_raise(polygon, message):
    with pytest.raises(MaskError, match=message):
        polygons_to_mask([polygon], SHAPE)


@pytest.mark.parametrize("radius", [5, 40, 150])
def test_disk_polygon_round_trip_keeps_shape(radius):
    mask = polygons_to_mask([circle(200.3, 210.7, radius)], SHAPE)
    polygons = mask_to_polygons(mask)
    assert len(polygons) == 1
    assert all(0 <= x <= SHAPE[1] and 0 <= y <= SHAPE[0] for x, y in polygons[0])
    assert dice(mask, polygons_to_mask(polygons, SHAPE)) > 0.97
    assert polygon_area(polygons[0]) == pytest.approx(mask.sum(), rel=0.1)


def test_mask_to_polygons_handles_border_and_several_objects():
    mask = np.zeros((60, 60), bool)
    mask[0:20, 0:25] = True
    mask[40:55, 30:60] = True
    polygons = mask_to_polygons(mask)
    assert len(polygons) == 2
    np.testing.assert_array_equal(polygons_to_mask(polygons, mask.shape), mask)


def test_mask_to_polygons_simplifies_and_fills_holes():
    mask = nucleus_mask()
    ring = mask.copy()
    ring[190:210, 220:240] = False
    polygons = mask_to_polygons(ring, tolerance=1.0)
    assert len(polygons) == 1 and len(polygons[0]) < 120
    assert dice(polygons_to_mask(polygons, SHAPE), mask) > 0.98
    assert mask_to_polygons(np.zeros((10, 10), bool)) == []


def test_mask_contours_row_col_in_pixel_centre_convention():
    mask = np.zeros((10, 10), bool)
    mask[2:5, 3:7] = True
    (contour,) = mask_contours(mask)
    assert contour.ndim == 2 and contour.shape[1] == 2
    np.testing.assert_array_equal(contour[0], contour[-1])
    assert contour[:, 0].min() == 1.5 and contour[:, 0].max() == 4.5
    assert contour[:, 1].min() == 2.5 and contour[:, 1].max() == 6.5


def test_mask_contours_include_holes():
    mask = nucleus_mask((100, 100), (50, 50), (30, 30), 0)
    mask[45:55, 45:55] = False
    assert len(mask_contours(mask)) == 2
    assert mask_contours(np.zeros((5, 5), bool)) == []
