"""Section-wise 3D inference: the paper's way of segmenting a tomogram with a 2D network."""

from __future__ import annotations

from functools import partial

import numpy as np
import torch
from torch import nn

from .data import normalise, resize_images
from .engine import predict_probabilities
from .foreground import two_pass_inputs
from .heads import HeadLayout
from .label_output import activate_tensor
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
    layout: HeadLayout | None = None,
    foreground_two_pass: bool = False,
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

    With a ``layout`` (several classes or an instance output) every channel is predicted, tiled
    and resized alike: (z, C, y, x) maps, ``label_output.activate_tensor`` of the logits.

    ``foreground_two_pass``: the model was trained on foreground-normalised images (paper 003);
    each input (each tile) is first normalised on its own statistics for the model to find the
    foreground, then on that foreground's (``foreground.two_pass_inputs``).
    """
    if volume.ndim != 3:
        raise ValueError(f"need a (z, y, x) volume, got shape {volume.shape}")
    z, h, w = volume.shape
    channels = 1 if layout is None else layout.channels
    out = np.empty((z, channels, h, w), dtype=np.float32)
    activation = torch.sigmoid if layout is None else partial(activate_tensor, layout=layout)

    def probabilities(x: torch.Tensor) -> torch.Tensor:
        return predict_probabilities(
            model, x, device=device, batch_size=batch_size, activation=activation
        )

    def predict(x: torch.Tensor) -> torch.Tensor:
        if foreground_two_pass:
            x = two_pass_inputs(x, lambda images: _foreground(probabilities(images)))
        return probabilities(x)

    def _foreground(probabilities: torch.Tensor) -> torch.Tensor:
        # A binary output's probability, or 1 - P(background) of a softmax over classes.
        single = layout is None or layout.n_classes == 1
        return probabilities[:, :1] if single else 1.0 - probabilities[:, :1]

    # Probabilities lie in [0, 1]; a regressed distance channel is not clamped.
    clamped = channels if layout is None else layout.n_classes
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
                predict,
                sections.unsqueeze(1),
                tile=input_size,
                overlap=overlap,
                stride=network_stride(model),
                batch_size=batch_size,
            )
        else:
            x = resize_images(sections.unsqueeze(1), input_size)
            prob = resize_images(predict(x), (h, w))
        prob[:, :clamped].clamp_(0.0, 1.0)
        out[start : start + chunk.shape[0]] = prob.numpy()
    return out[:, 0] if layout is None else out
