"""Tiled inference on whole fields of view: overlapping tiles, a smooth blending window, crop back.

A field larger than the network's input (bright-field and phase fields of 1,024-2,048 px) is
predicted at native resolution instead of being resized to a square. Tiles of ``tile`` px overlap
by at least ``overlap`` px; each tile's output is weighted by a raised-cosine (Hann) ramp over the
overlap on every side that has a neighbour (flat 1 elsewhere, so the field's own borders are not
down-weighted), summed and divided by the summed weights. A field smaller than the tile is
reflect-padded to one tile and cropped back. Pure torch + numpy; see docs/tiling.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

__all__ = ["check_tiling", "network_stride", "predict_tiled", "tile_size_error", "tile_starts"]


def network_stride(model: nn.Module) -> int:
    """The factor the network's input height and width must be a multiple of.

    A ``stride`` attribute wins; the registry's networks (four 2x poolings) answer 16."""
    stride = getattr(model, "stride", None)
    if isinstance(stride, int) and stride >= 1:
        return stride
    from .nets import FusionNet, UNet
    from .nets.blocks import DEPTH_FACTOR

    if isinstance(model, UNet | FusionNet):
        return DEPTH_FACTOR
    pools = sum(isinstance(m, nn.MaxPool2d | nn.AvgPool2d) for m in model.modules())
    return 2**pools


def check_tiling(tile: int, overlap: int, stride: int) -> None:
    """Raise ValueError with the reason unless ``tile`` and ``overlap`` can tile a field."""
    if stride < 1:
        raise ValueError(f"the network's stride must be >= 1, got {stride}")
    if tile < stride or tile % stride:
        raise ValueError(
            f"tile size {tile} is not a multiple of the network's stride {stride} "
            f"(try {max(stride, tile // stride * stride)} or {(tile // stride + 1) * stride})"
        )
    if not 0 <= overlap < tile:
        raise ValueError(f"overlap must be >= 0 and smaller than the tile ({tile}), got {overlap}")


def tile_size_error(arch: str, tile: int) -> str | None:
    """Why a registry network ``arch`` cannot tile with ``tile`` px (a quarter-tile overlap), or
    None. Built on the meta device (no memory); an architecture outside the registry: None."""
    from .nets import MODEL_NAMES, create_model

    if arch not in MODEL_NAMES:
        return None
    with torch.device("meta"):
        stride = network_stride(create_model(arch))
    try:
        check_tiling(tile, tile // 4, stride)
    except ValueError as exc:
        return f"The model's input size cannot tile a whole field: {exc}."
    return None


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start offsets of tiles covering ``length`` px, spread evenly, the last flush with the end;
    neighbours overlap by at least ``overlap`` px. One start (0) when the field fits a tile."""
    if length <= tile:
        return [0]
    step = tile - overlap
    count = math.ceil((length - tile) / step) + 1
    return [int(round(v)) for v in np.linspace(0, length - tile, count)]


def _ramp(tile: int, overlap: int, before: bool, after: bool) -> Tensor:
    """1D weights: a raised-cosine ramp over ``overlap`` px on the sides that have a neighbour."""
    w = torch.ones(tile, dtype=torch.float32)
    if overlap > 0:
        i = torch.arange(overlap, dtype=torch.float32)
        rise = 0.5 - 0.5 * torch.cos(math.pi * (i + 0.5) / overlap)  # > 0, never exactly 0
        if before:
            w[:overlap] = rise
        if after:
            w[tile - overlap :] = rise.flip(0)
    return w


def _pad_to(x: Tensor, tile: int) -> Tensor:
    """Pad (N, C, H, W) on the bottom/right to at least ``tile`` in H and W (reflect if it can)."""
    pad_h, pad_w = max(0, tile - x.shape[-2]), max(0, tile - x.shape[-1])
    if not (pad_h or pad_w):
        return x
    pad = (0, pad_w, 0, pad_h)
    mode = "reflect" if pad_h < x.shape[-2] and pad_w < x.shape[-1] else "replicate"
    return F.pad(x, pad, mode=mode)


@torch.no_grad()
def predict_tiled(
    predict: Callable[[Tensor], Tensor],
    images: Tensor,
    *,
    tile: int,
    overlap: int,
    stride: int,
    batch_size: int = 8,
) -> Tensor:
    """Blend ``predict`` over overlapping tiles of (N, C, H, W) images; returns (N, K, H, W) float32.

    ``predict`` maps a (B, C, tile, tile) batch to (B, K, tile, tile) (e.g. sigmoid probabilities);
    tiles of all N images are batched together ``batch_size`` at a time. ``tile`` must be a
    multiple of ``stride`` and ``overlap`` smaller than ``tile`` (ValueError otherwise)."""
    check_tiling(tile, overlap, stride)
    if images.ndim != 4:
        raise ValueError(f"need (N, C, H, W) images, got {tuple(images.shape)}")
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    n, _, h, w = images.shape
    x = _pad_to(images.float(), tile)
    ph, pw = x.shape[-2:]
    ys, xs = tile_starts(ph, tile, overlap), tile_starts(pw, tile, overlap)
    wy = [_ramp(tile, overlap, i > 0, i < len(ys) - 1) for i in range(len(ys))]
    wx = [_ramp(tile, overlap, j > 0, j < len(xs) - 1) for j in range(len(xs))]
    jobs = [(k, i, j) for k in range(n) for i in range(len(ys)) for j in range(len(xs))]
    out: Tensor | None = None
    weight = torch.zeros((ph, pw), dtype=torch.float32)
    for i in range(len(ys)):
        for j in range(len(xs)):
            weight[ys[i] : ys[i] + tile, xs[j] : xs[j] + tile] += wy[i][:, None] * wx[j][None, :]
    for start in range(0, len(jobs), batch_size):
        batch = jobs[start : start + batch_size]
        tiles = torch.stack(
            [x[k, :, ys[i] : ys[i] + tile, xs[j] : xs[j] + tile] for k, i, j in batch]
        )
        pred = predict(tiles).float().cpu()
        if out is None:
            out = torch.zeros((n, pred.shape[1], ph, pw), dtype=torch.float32)
        for (k, i, j), p in zip(batch, pred, strict=True):
            win = wy[i][:, None] * wx[j][None, :]
            out[k, :, ys[i] : ys[i] + tile, xs[j] : xs[j] + tile] += p * win
    if out is None:  # no images
        return torch.empty((0, 1, h, w), dtype=torch.float32)
    out /= weight
    return out[:, :, :h, :w].contiguous()
