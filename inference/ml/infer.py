"""Section-wise 3D inference: the paper's way of segmenting a tomogram with a 2D network."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .data import normalise, resize_images
from .engine import predict_probabilities
from .tiling import network_stride, predict_tiled

__all__ = ["predict_volume"]


def predict_volume(
    model: nn.Module,
    volume: np.ndarray,
    *,
    input_size: int = 448,
    batch_size: int = 16,
    device: torch.device,
    modality: str = "ri",
    tile_large: bool | None = None,
    overlap: int | None = None,
) -> np.ndarray:
    """Nucleus probabilities for every voxel of a (z, y, x) volume, float32 in [0, 1].

    Each z-section is normalised exactly as in training (``data.normalise``: physical RI scaling
    for RI, per-section percentiles otherwise), resized to ``input_size``, predicted in batches,
    and its probability map resized back to the native (y, x) grid. Works through the volume
    ``batch_size`` sections at a time so host memory stays bounded for large tomograms.

    Whole fields larger than ``input_size`` are not squashed: with ``tile_large`` (default: every
    modality but RI, whose networks are trained on sections resized to the input) they are
    predicted at native resolution in ``input_size`` tiles overlapping by ``overlap`` (default a
    quarter tile), blended with a smooth window (``tiling.predict_tiled``, docs/tiling.md).
    Sections that fit the input keep the resize path unchanged.
    """
    if volume.ndim != 3:
        raise ValueError(f"need a (z, y, x) volume, got shape {volume.shape}")
    z, h, w = volume.shape
    out = np.empty((z, h, w), dtype=np.float32)
    if tile_large is None:
        tile_large = modality != "ri"
    tiled = tile_large and max(h, w) > input_size
    overlap = input_size // 4 if overlap is None else overlap
    for start in range(0, z, batch_size):
        chunk = volume[start : start + batch_size]
        if modality == "ri":
            sections = normalise(chunk, "ri")  # one affine map for the whole chunk: same result
        else:
            sections = torch.stack([normalise(s, modality) for s in chunk])
        if tiled:
            prob = predict_tiled(
                lambda t: predict_probabilities(model, t, device=device, batch_size=batch_size),
                sections.unsqueeze(1),
                tile=input_size,
                overlap=overlap,
                stride=network_stride(model),
                batch_size=batch_size,
            ).clamp_(0.0, 1.0)
        else:
            x = resize_images(sections.unsqueeze(1), input_size)
            prob = predict_probabilities(model, x, device=device, batch_size=batch_size)
            prob = resize_images(prob, (h, w)).clamp_(0.0, 1.0)
        out[start : start + chunk.shape[0]] = prob[:, 0].numpy()
    return out
