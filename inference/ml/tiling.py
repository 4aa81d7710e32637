"""Tiled inference on whole fields of view: overlapping tiles, a smooth blending window, crop back.

A field larger than the network's input (bright-field and phase fields of 1,024-2,048 px) is
predicted at native resolution instead of being resized to a square. Along each axis the tile
count is the fewest tiles of at most ``tile`` px that overlap by at least ``overlap`` px; the
tiles are then shrunk to the smallest multiple of the network's stride that still gives that
overlap, and spread evenly (first at 0, last flush with the far edge), so no pixel is predicted
more often than the count requires. Each tile's output is weighted by a raised-cosine (Hann) ramp
over the overlap on every side that has a neighbour (flat 1 elsewhere, so the field's own borders
are not down-weighted); the windows are divided by their sum once, before any tile is predicted,
so blending is one multiply-add per tile. A field smaller than a tile is reflect-padded to the
stride and cropped back. Channel-agnostic: (N, C, H, W) in, (N, K, H, W) out. Pure torch + numpy;
see docs/tiling.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

__all__ = [
    "TileAxis",
    "check_tiling",
    "network_stride",
    "predict_tiled",
    "tile_axis",
    "tile_size_error",
    "tile_starts",
]


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
    """Start offsets of ``tile`` px tiles covering ``length`` px, spread evenly, the last flush
    with the end; neighbours overlap by at least ``overlap`` px. One start (0) when it fits."""
    if length <= tile:
        return [0]
    count = math.ceil((length - tile) / (tile - overlap)) + 1
    return [int(round(v)) for v in np.linspace(0, length - tile, count)]


@dataclass(frozen=True)
class TileAxis:
    """Tiling along one axis: the (padded) length, the tile extent and the tile starts."""

    length: int
    extent: int
    starts: tuple[int, ...]

    @property
    def boundaries(self) -> list[int]:
        """Where a tile starts or ends inside the field: where a seam would show."""
        ends = {s + self.extent for s in self.starts[:-1]}
        return sorted(set(self.starts[1:]) | ends)


def _round_up(value: float, stride: int) -> int:
    return max(stride, math.ceil(value / stride) * stride)


def tile_axis(length: int, tile: int, overlap: int, stride: int) -> TileAxis:
    """The fewest tiles of at most ``tile`` px overlapping by at least ``overlap`` px along
    ``length`` px, each shrunk to the smallest multiple of ``stride`` that keeps that overlap.

    A length shorter than ``tile`` is one tile of ``length`` rounded up to ``stride`` (the field
    is padded to it)."""
    if length <= tile:
        extent = _round_up(length, stride)
        return TileAxis(extent, extent, (0,))
    count = math.ceil((length - overlap) / (tile - overlap))
    extent = min(tile, _round_up((length + (count - 1) * overlap) / count, stride))
    return TileAxis(length, extent, tuple(tile_starts(length, extent, overlap)))


def _ramp(extent: int, overlap: int, before: bool, after: bool) -> Tensor:
    """1D weights: a raised-cosine ramp over ``overlap`` px on the sides that have a neighbour."""
    w = torch.ones(extent, dtype=torch.float32)
    if overlap > 0:
        i = torch.arange(overlap, dtype=torch.float32)
        rise = 0.5 - 0.5 * torch.cos(math.pi * (i + 0.5) / overlap)  # > 0, never exactly 0
        if before:
            w[:overlap] = rise
        if after:
            w[extent - overlap :] = rise.flip(0)
    return w


def _windows(ys: TileAxis, xs: TileAxis, overlap: int) -> Tensor:
    """(tiles, extent_y, extent_x) blending windows, row-major, already divided by their sum at
    every pixel: the blended output is the sum of window x prediction."""
    wy = [_ramp(ys.extent, overlap, i > 0, i < len(ys.starts) - 1) for i in range(len(ys.starts))]
    wx = [_ramp(xs.extent, overlap, j > 0, j < len(xs.starts) - 1) for j in range(len(xs.starts))]
    windows = torch.stack([a[:, None] * b[None, :] for a in wy for b in wx])
    total = torch.zeros((ys.length, xs.length), dtype=torch.float32)
    for win, (y, x) in zip(windows, _origins(ys, xs), strict=True):
        total[y : y + ys.extent, x : x + xs.extent] += win
    for win, (y, x) in zip(windows, _origins(ys, xs), strict=True):
        win /= total[y : y + ys.extent, x : x + xs.extent]
    return windows


def _origins(ys: TileAxis, xs: TileAxis) -> list[tuple[int, int]]:
    return [(y, x) for y in ys.starts for x in xs.starts]


def _pad_to(x: Tensor, height: int, width: int) -> Tensor:
    """Pad (N, C, H, W) on the bottom/right to ``height`` x ``width`` (reflect if it can)."""
    pad_h, pad_w = height - x.shape[-2], width - x.shape[-1]
    if not (pad_h or pad_w):
        return x
    mode = "reflect" if pad_h < x.shape[-2] and pad_w < x.shape[-1] else "replicate"
    return F.pad(x, (0, pad_w, 0, pad_h), mode=mode)


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

    ``predict`` maps a (B, C, h, w) batch to (B, K, h, w) (e.g. sigmoid probabilities), h and w
    multiples of ``stride`` no larger than ``tile``; tiles of all N images are batched together
    ``batch_size`` at a time. ``tile`` must be a multiple of ``stride`` and ``overlap`` smaller
    than ``tile`` (ValueError otherwise)."""
    check_tiling(tile, overlap, stride)
    if images.ndim != 4:
        raise ValueError(f"need (N, C, H, W) images, got {tuple(images.shape)}")
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    n, _, h, w = images.shape
    if n == 0:
        return torch.empty((0, 1, h, w), dtype=torch.float32)
    ys, xs = tile_axis(h, tile, overlap, stride), tile_axis(w, tile, overlap, stride)
    x = _pad_to(images.float(), ys.length, xs.length)
    windows = _windows(ys, xs, overlap)
    origins = _origins(ys, xs)
    jobs = [(k, t) for k in range(n) for t in range(len(origins))]
    out: Tensor | None = None
    for start in range(0, len(jobs), batch_size):
        batch = jobs[start : start + batch_size]
        tiles = torch.stack(
            [
                x[k, :, y : y + ys.extent, x0 : x0 + xs.extent]
                for k, (y, x0) in ((k, origins[t]) for k, t in batch)
            ]
        )
        pred = predict(tiles).float().cpu()
        if out is None:
            out = torch.zeros((n, pred.shape[1], ys.length, xs.length), dtype=torch.float32)
        for (k, t), p in zip(batch, pred, strict=True):
            y, x0 = origins[t]
            out[k, :, y : y + ys.extent, x0 : x0 + xs.extent].addcmul_(p, windows[t])
    assert out is not None
    return out[:, :, :h, :w].contiguous()
