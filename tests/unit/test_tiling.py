"""Tiled inference on whole fields: equal to whole-image prediction, no seams, bad tiles refused."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from inference.ml.data import normalise
from inference.ml.engine import predict_probabilities
from inference.ml.infer import predict_volume
from inference.ml.nets import create_model
from inference.ml.tiling import (
    check_tiling,
    network_stride,
    predict_tiled,
    tile_axis,
    tile_starts,
)

CPU = torch.device("cpu")
H, W, TILE, OVERLAP = 1024, 1536, 448, 112
# Stated tolerance: tiled and whole-image probabilities agree to 5e-3 at every pixel (the
# blending window gives the tile margins, where the tile's zero padding differs from the real
# neighbourhood, almost no weight) and to 1e-4 on average.
MAX_ABS, MEAN_ABS = 5e-3, 1e-4


def _field(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A bright-field-like field: dark nuclei-sized disks on an uneven background with noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    img = 1.0 + 0.1 * np.sin(xx / 300.0) * np.cos(yy / 200.0)
    for _ in range(h * w // 20000):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(12, 40)
        img -= 0.4 * (((yy - cy) ** 2 + (xx - cx) ** 2) < r * r)
    return (img + rng.normal(0, 0.03, img.shape)).astype(np.float32)


@pytest.fixture(scope="module")
def predictions() -> tuple[np.ndarray, np.ndarray]:
    """(whole-image, tiled) probabilities of a 1,024 x 1,536 field by a real registry network.

    The randomly initialised Unet16's head is rescaled (an affine map of its logits, so still the
    same network) so that about half the field is above 0.5: the mask then has structure to
    compare instead of being uniformly one class."""
    torch.manual_seed(0)
    model = create_model("unet16").eval()
    field = _field(H, W)
    x = normalise(field, "brightfield")[None, None]
    with torch.no_grad():
        logits = model(x[..., :TILE, :TILE])
        scale = 4.0 / float(logits.std())
        model.head.weight.mul_(scale)
        model.head.bias.mul_(scale).sub_(float(logits.median()) * scale)
    whole = predict_probabilities(model, x, device=CPU, batch_size=1)[0, 0].numpy()
    tiled = predict_volume(
        model, field[None], input_size=TILE, batch_size=4, device=CPU, modality="brightfield"
    )[0]
    return whole, tiled


def _seams(length: int) -> list[int]:
    return tile_axis(length, TILE, OVERLAP, 16).boundaries


def test_tiled_equals_whole_image_prediction(predictions) -> None:
    whole, tiled = predictions
    assert tiled.shape == whole.shape == (H, W)
    assert 0.2 < (whole > 0.5).mean() < 0.8  # a mask with structure, not one class
    diff = np.abs(tiled.astype(np.float64) - whole)
    assert diff.max() <= MAX_ABS and diff.mean() <= MEAN_ABS, (diff.max(), diff.mean())


def test_no_seam_in_the_mask(predictions) -> None:
    whole, tiled = predictions
    mask, reference = tiled > 0.5, whole > 0.5
    rows, cols = _seams(H), _seams(W)
    assert len(rows) >= 2 and len(cols) >= 4
    for c in cols:  # the mask on both sides of every tile boundary is the whole-image mask
        band = slice(c - 3, c + 3)
        assert (mask[:, band] != reference[:, band]).mean() <= 1e-3
    for r in rows:
        band = slice(r - 3, r + 3)
        assert (mask[band] != reference[band]).mean() <= 1e-3
    # and no step: the probability change across a boundary is like that between any neighbours
    typical = np.median(np.abs(np.diff(tiled, axis=1)).mean(axis=0))
    for c in cols:
        assert np.abs(tiled[:, c] - tiled[:, c - 1]).mean() <= 3 * typical + 1e-6


@pytest.mark.parametrize("shape", [(1, 37, 53), (2, 448, 448), (1, 449, 1000), (3, 700, 300)])
def test_blending_is_a_partition_of_unity(shape) -> None:
    # With the identity as the "network" the blended output must be the input itself, for fields
    # smaller than the tile, exactly one tile, and several with a ragged last tile.
    rng = np.random.default_rng(1)
    x = torch.from_numpy(rng.random((shape[0], 2, *shape[1:]), dtype=np.float32))
    out = predict_tiled(lambda t: t * 1.0, x, tile=64, overlap=16, stride=16, batch_size=5)
    np.testing.assert_allclose(out.numpy(), x.numpy(), rtol=0, atol=1e-6)


def test_tile_starts_cover_with_the_overlap() -> None:
    for length in (448, 449, 1024, 1536, 2048):
        starts = tile_starts(length, TILE, OVERLAP)
        assert starts[0] == 0 and starts[-1] == max(0, length - TILE)
        assert all(b - a <= TILE - OVERLAP for a, b in zip(starts, starts[1:], strict=False))
    assert tile_starts(300, TILE, OVERLAP) == [0]


@pytest.mark.parametrize("length", [40, 448, 449, 1024, 1536, 2048])
def test_tile_axis_uses_the_fewest_smallest_tiles_that_keep_the_overlap(length) -> None:
    axis = tile_axis(length, TILE, OVERLAP, 16)
    count = len(axis.starts)
    assert axis.extent % 16 == 0 and axis.extent <= max(TILE, axis.length)
    assert axis.starts[0] == 0 and axis.starts[-1] + axis.extent == axis.length >= length
    assert all(a + axis.extent - b >= OVERLAP for a, b in zip(axis.starts, axis.starts[1:]))
    if count > 1:  # one tile fewer, even of the full size, could not keep the overlap
        assert (count - 1) * TILE - (count - 2) * OVERLAP < length
        smaller = axis.extent - 16  # and the next smaller tile would not reach with it
        assert count * smaller - (count - 1) * OVERLAP < length
    # 1,024 px: 3 tiles of 416 (not 448) px; the pixels predicted fall from 1,344 to 1,248.
    if length == 1024:
        assert (count, axis.extent) == (3, 416)


def test_registry_networks_report_their_stride() -> None:
    for name in ("osnet", "unet16", "fusionnet"):
        assert network_stride(create_model(name)) == 16


def test_bad_tile_size_is_refused() -> None:
    with pytest.raises(ValueError, match="tile size 100 is not a multiple of the network's stride"):
        check_tiling(100, 25, 16)
    with pytest.raises(ValueError, match="overlap"):
        check_tiling(448, 448, 16)
    with pytest.raises(ValueError, match="overlap"):
        check_tiling(448, -1, 16)
    model = create_model("unet16").eval()
    with pytest.raises(ValueError, match="not a multiple of the network's stride 16"):
        predict_volume(model, _field(120, 130)[None], input_size=100, device=CPU, modality="phase")


def test_sections_at_the_training_size_keep_the_resize_path() -> None:
    # A field that fits the input is resized exactly as before (no tiling involved), and RI
    # tomogram sections (networks trained on resized sections) are never tiled by default.
    torch.manual_seed(0)
    model = create_model("unet16").eval()
    field = _field(48, 40)
    got = predict_volume(model, field[None], input_size=64, device=CPU, modality="phase")
    from inference.ml.data import resize_images

    x = resize_images(normalise(field, "phase")[None, None], 64)
    want = resize_images(predict_probabilities(model, x, device=CPU), (48, 40)).clamp(0, 1)
    np.testing.assert_array_equal(got[0], want[0, 0].numpy())
