"""The scanline polygon fill gives skimage.draw.polygon's pixels, at a cost that follows the
outline rather than its area times its length."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.draw import polygon as skimage_polygon

from annotations.imaging.masks import mask_to_polygons, polygons_to_mask
from annotations.imaging.polygon_fill import fill_polygon, row_crossings


def _random_vertices(rng, kind: int, height: int, width: int, n: int):
    """Vertices anywhere, on pixel centres, on half pixels and on thirds (edges through
    centres, vertices on centres: the cases where the boundary rule decides)."""
    if kind == 0:
        return rng.random(n) * height, rng.random(n) * width
    if kind == 1:
        return rng.integers(-1, height + 1, n) * 1.0, rng.integers(-1, width + 1, n) * 1.0
    if kind == 2:
        return rng.integers(-2, 2 * height + 2, n) / 2, rng.integers(-2, 2 * width + 2, n) / 2
    return rng.integers(0, 3 * height, n) / 3 - 0.5, rng.integers(0, 3 * width, n) / 3 - 0.5


@pytest.mark.parametrize("kind", range(4))
def test_random_polygons_fill_exactly_as_skimage_does(kind):
    rng = np.random.default_rng(kind)
    for _ in range(400):
        height, width = (int(n) for n in rng.integers(3, 40, 2))
        rows, cols = _random_vertices(rng, kind, height, width, int(rng.integers(3, 12)))
        expected = skimage_polygon(rows, cols, shape=(height, width))
        got = fill_polygon(rows, cols, (height, width))
        np.testing.assert_array_equal(got[0], expected[0])
        np.testing.assert_array_equal(got[1], expected[1])


def test_traced_outlines_give_back_their_mask():
    rng = np.random.default_rng(7)
    for _ in range(20):
        mask = np.zeros((60, 70), dtype=bool)
        for _ in range(4):
            r, c, radius = rng.integers(8, 52), rng.integers(8, 62), rng.integers(3, 9)
            yy, xx = np.ogrid[:60, :70]
            mask |= (yy - r) ** 2 + (xx - c) ** 2 <= radius**2
        polygons = mask_to_polygons(mask, tolerance=0)
        reference = np.zeros_like(mask)
        for polygon in polygons:
            xy = np.asarray(polygon)
            rr, cc = skimage_polygon(xy[:, 1] - 0.5, xy[:, 0] - 0.5, shape=mask.shape)
            reference[rr, cc] = True
        np.testing.assert_array_equal(polygons_to_mask(polygons, mask.shape), reference)


def test_a_300k_point_outline_is_filled_like_its_circle():
    # Far too slow through skimage (minutes); the disc is the independent reference.
    size, radius = 448, 200.0
    angles = np.linspace(0, 2 * np.pi, 300_000, endpoint=False)
    rows = size / 2 + radius * np.sin(angles)
    cols = size / 2 + radius * np.cos(angles)
    rr, cc = fill_polygon(rows, cols, (size, size))
    mask = np.zeros((size, size), dtype=bool)
    mask[rr, cc] = True
    yy, xx = np.mgrid[:size, :size]
    distance = np.hypot(yy - size / 2, xx - size / 2)
    assert mask[distance < radius - 0.01].all()
    assert not mask[distance > radius + 0.01].any()


def test_row_crossings_count_the_rows_each_edge_spans():
    # A triangle spanning rows 0..10: two slanted edges cross 11 rows each; the flat one none.
    assert row_crossings(np.array([0.0, 10.0, 10.0]), (20, 20)) == 22
    # Clipped to the image.
    assert row_crossings(np.array([0.0, 10.0, 10.0]), (5, 20)) == 10
    zigzag = np.where(np.arange(1000) % 2 == 0, 0.0, 99.0)
    assert row_crossings(zigzag, (100, 100)) == 1000 * 100
