"""mask_from_payload: PNG masks, polygons and outlines as the editor and other tools send them."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.imaging.masks import encode_mask
from annotations.services.annotation import (
    mask_from_payload,
)
from cellweb.errors import InvalidInput
from tests.helpers_annotation_saves import SHAPE, disk, png, three_sections


@pytest.fixture
def section(specimen, make_volume):
    return three_sections(specimen, make_volume)[0]


# ---------------------------------------------------------------------------------- payloads


def test_png_masks_in_grey_one_bit_and_opaque_rgba_are_accepted(section):
    mask = disk()
    grey = (mask * 255).astype(np.uint8)
    rgba = np.dstack([grey, grey, grey, np.full(SHAPE, 255, np.uint8)])
    for data in (png(grey), encode_mask(mask), png(rgba), png(np.dstack([grey] * 3))):
        assert np.array_equal(mask_from_payload(section=section, png_bytes=data), mask)


def test_rgba_png_with_transparent_pixels_is_refused(section):
    grey = (disk() * 255).astype(np.uint8)
    rgba = np.dstack([grey, grey, grey, grey])  # a canvas export without a background
    with pytest.raises(InvalidInput, match="transparent"):
        mask_from_payload(section=section, png_bytes=png(rgba))


def test_coloured_png_is_refused(section):
    grey = (disk() * 255).astype(np.uint8)
    red = np.dstack([grey, np.zeros_like(grey), np.zeros_like(grey)])
    with pytest.raises(InvalidInput, match="colour"):
        mask_from_payload(section=section, png_bytes=png(red))


def test_polygons_become_a_filled_mask(section):
    mask = mask_from_payload(
        section=section,
        polygons=[[[2, 2], [10, 2], [10, 10], [2, 10]], [[20, 20], [30, 20], [25, 30]]],
    )
    assert mask[5, 5] and mask[24, 25] and not mask[15, 15]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "No mask"),
        ({"png_bytes": b"x", "polygons": []}, "not both"),
        ({"polygons": [[[0, 0], [40, 0], [0, 10]]]}, "outside"),
        ({"polygons": [[[0, 0], [4, 0]]]}, "at least 3"),
        ({"polygons": "square"}, "list"),
        ({"polygons": [[["a", 1], [2, 3], [4, 5]]]}, "numeric"),
        ({"polygons": [[{"x": 1}, [2, 3], [4, 5]]]}, "numeric"),
        ({"png_bytes": b"\x89PNG\r\n\x1a\nbroken"}, "PNG"),
    ],
)
def test_unusable_payloads_are_refused_with_a_clear_message(section, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        mask_from_payload(section=section, **kwargs)


def test_outlines_given_with_every_mask_round_trip_exactly():
    from scipy import ndimage as ndi

    from annotations.imaging.masks import polygons_to_mask
    from annotations.imaging.outlines import mask_outlines

    rng = np.random.default_rng(4)
    for _ in range(20):
        mask = disk(cy=rng.integers(6, 26), cx=rng.integers(6, 26), r=rng.integers(2, 8))
        mask[rng.integers(0, 32, 12), rng.integers(0, 32, 12)] = True  # specks and border pixels
        mask[16, 16] = False  # a hole, which outlines fill
        assert np.array_equal(
            polygons_to_mask(mask_outlines(mask), SHAPE), ndi.binary_fill_holes(mask)
        )
    assert mask_outlines(np.zeros(SHAPE, dtype=bool)) == []
