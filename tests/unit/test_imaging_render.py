"""Display windows, PNG rendering, overlays and section helpers."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from annotations.imaging import (
    DEFAULT_RI_WINDOW,
    encode_png,
    render_overlay_png,
    render_png,
    resize_mask,
    resize_section,
    section_stats,
    to_uint8,
)


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image


def ri_section(shape=(448, 448), seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (1.33 + 0.07 * rng.random(shape)).astype(np.float32)


def test_default_ri_window_is_medium_to_lipid():
    assert DEFAULT_RI_WINDOW == (1.33, 1.40)


def test_to_uint8_maps_window_ends_and_clips():
    values = np.array([1.33, 1.358, 1.40, 1.2, 1.6, np.nan], dtype=np.float32)
    out = to_uint8(values, 1.33, 1.40)
    assert out.dtype == np.uint8
    assert out.tolist() == [0, 102, 255, 0, 255, 0]


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (-1e39, 1e39, [128, 128, 128]),  # beyond float32: the middle of the window
        (1e39, 2e39, [0, 0, 0]),  # all values below the window
        (-2e39, -1e39, [255, 255, 255]),  # all values above it
        (-1.7e308, 1.7e308, [128, 128, 128]),  # a span beyond float64
        (1e-38, 2e-38, [0, 255, 255]),  # a window narrower than float32 can scale
    ],
)
def test_to_uint8_takes_windows_beyond_float32(lo, hi, expected):
    with np.errstate(all="raise"):
        out = to_uint8(np.array([0.0, 1.0, 1.5], np.float32), lo, hi)
    assert out.tolist() == expected


def test_to_uint8_degenerate_window_does_not_divide_by_zero():
    out = to_uint8(np.array([0.9, 1.0, 1.1]), 1.0, 1.0)
    assert out.tolist() == [0, 0, 255]


def test_render_ri_uses_fixed_window():
    section = ri_section((64, 80))
    image = decode(render_png(section, modality="ri"))
    assert image.mode == "L" and image.size == (80, 64)
    np.testing.assert_array_equal(np.asarray(image), to_uint8(section, 1.33, 1.40))


def test_render_ri_with_custom_window():
    section = np.full((32, 32), 1.345, dtype=np.float32)
    image = decode(render_png(section, modality="ri", window=(1.34, 1.36)))
    assert np.asarray(image).max() == 64


def test_render_other_modalities_auto_window_by_percentiles():
    section = np.linspace(0.0, 1000.0, 200 * 100, dtype=np.float32).reshape(200, 100)
    pixels = np.asarray(decode(render_png(section, modality="brightfield")))
    assert pixels.min() == 0 and pixels.max() == 255
    # 0.5 % of pixels sit at or beyond each end of the auto window.
    assert 0.003 < np.mean(pixels == 255) < 0.01


def test_render_uses_given_stats():
    section = np.linspace(0.0, 10.0, 64 * 64, dtype=np.float32).reshape(64, 64)
    stats = {"p0_5": 0.0, "p99_5": 20.0, "min": 0.0, "max": 10.0}
    pixels = np.asarray(decode(render_png(section, modality="phase", stats=stats)))
    assert pixels.max() == 128


@pytest.mark.parametrize(
    ("tint", "weights"),
    [("green", (0, 1, 0)), ("blue", (0, 0, 1)), ("magenta", (1, 0, 1)), ("gray", (1, 1, 1))],
)
def test_render_tints(tint, weights):
    section = np.linspace(0.0, 1.0, 32 * 48, dtype=np.float32).reshape(32, 48)
    image = decode(render_png(section, modality="fluorescence", window=(0, 1), tint=tint))
    rgb = np.asarray(image.convert("RGB")).astype(int)
    grey = to_uint8(section, 0, 1).astype(int)
    for channel, weight in enumerate(weights):
        np.testing.assert_array_equal(rgb[..., channel], grey * weight)


def test_render_max_size_downsizes_keeping_aspect():
    image = decode(render_png(ri_section((300, 448)), modality="ri", max_size=128))
    assert image.size == (128, 86)
    small = decode(render_png(ri_section((50, 60)), modality="ri", max_size=128))
    assert small.size == (60, 50)


def test_render_accepts_single_section_volume_and_rejects_3d():
    assert decode(render_png(ri_section((1, 40, 40)), modality="ri")).size == (40, 40)
    with pytest.raises(ValueError, match="2D"):
        render_png(ri_section((3, 40, 40)), modality="ri")


def test_render_rejects_unknown_modality_and_tint():
    with pytest.raises(ValueError, match="modality"):
        render_png(ri_section((20, 20)), modality="xray")
    with pytest.raises(ValueError, match="tint"):
        render_png(ri_section((20, 20)), modality="ri", tint="red")  # type: ignore[arg-type]


def test_overlay_blends_by_fluorescence_brightness():
    base = np.full((16, 16), 100, np.uint8)
    fl = np.zeros((16, 16), np.uint8)
    fl[:, 8:] = 255
    rgb = np.asarray(decode(render_overlay_png(base, fl, alpha=1.0, tint="green")).convert("RGB"))
    assert rgb[0, 0].tolist() == [100, 100, 100]
    assert rgb[0, 15].tolist() == [0, 255, 0]
    half = np.asarray(decode(render_overlay_png(base, fl, alpha=0.5, tint="magenta")))
    assert half[0, 15].tolist() == [178, 50, 178]


def test_overlay_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match="same size"):
        render_overlay_png(np.zeros((10, 10), np.uint8), np.zeros((10, 12), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        render_overlay_png(np.zeros((10, 10)), np.zeros((10, 10), np.uint8))


@pytest.mark.parametrize("shape", [(448, 448), (1, 1), (3, 17)])
def test_encode_png_grey_palette_and_rgb_decode_exactly(shape):
    rng = np.random.default_rng(4)
    grey = rng.integers(0, 256, shape, dtype=np.uint8)
    rgb = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
    palette = bytes(range(256)) * 3
    np.testing.assert_array_equal(np.asarray(decode(encode_png(grey))), grey)
    np.testing.assert_array_equal(np.asarray(decode(encode_png(rgb))), rgb)
    indexed = decode(encode_png(grey, palette=palette))
    assert indexed.mode == "P"
    np.testing.assert_array_equal(np.asarray(indexed), grey)


def test_encode_png_rejects_other_shapes():
    with pytest.raises(ValueError, match="shape"):
        encode_png(np.zeros((4, 4, 2), np.uint8))


# --------------------------------------------------------------------------- sections


def test_section_stats_match_numpy():
    section = np.random.default_rng(3).normal(1.36, 0.01, (600, 600)).astype(np.float32)
    stats = section_stats(section)
    assert stats["min"] == pytest.approx(float(section.min()))
    assert stats["max"] == pytest.approx(float(section.max()))
    assert stats["mean"] == pytest.approx(float(section.mean()), abs=1e-6)
    for key, q in (("p0_5", 0.5), ("p1", 1), ("p99", 99), ("p99_5", 99.5)):
        assert stats[key] == pytest.approx(float(np.percentile(section, q)), abs=1e-3)


def test_section_stats_ignores_non_finite_values():
    section = np.arange(100, dtype=np.float32).reshape(10, 10)
    section[0, 0] = np.nan
    stats = section_stats(section)
    assert stats["min"] == 1.0 and stats["max"] == 99.0


def test_resize_section_preserves_values_and_shape():
    section = np.full((600, 500), 1.36, dtype=np.float32)
    out = resize_section(section, 448)
    assert out.shape == (448, 448) and out.dtype == np.float32
    np.testing.assert_allclose(out, 1.36, rtol=1e-6)
    assert resize_section(np.zeros((10, 10), np.uint16), (20, 30)).shape == (20, 30)


def test_resize_section_antialiases_when_shrinking():
    checker = (np.indices((400, 400)).sum(axis=0) % 2).astype(np.float32)
    out = resize_section(checker, 100)
    assert out.std() < 0.05


def test_resize_mask_is_nearest_and_boolean():
    mask = np.zeros((10, 10), bool)
    mask[:5] = True
    out = resize_mask(mask, (20, 40))
    assert out.dtype == bool and out.shape == (20, 40)
    assert out[:10].all() and not out[10:].any()
    np.testing.assert_array_equal(resize_mask(out, (10, 10)), mask)
