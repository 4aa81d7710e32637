"""Section-wise 3D inference: the paper's way of segmenting a tomogram with a 2D network.

``field_settings`` and ``tiles_field`` are the one place that decides, for every inference path
(prediction runs and their time series, proposals, evaluation, disagreement scoring, virtual
stains), whether a section is resized to the network's input or tiled at native resolution.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import torch
from torch import nn

from .data import normalise, normalise_channels, resize_images
from .engine import predict_probabilities
from .foreground import two_pass_inputs
from .heads import HeadLayout
from .label_output import activate_tensor
from .tiling import network_stride, predict_tiled

__all__ = ["DEFAULT_INPUT_SIZE", "FieldSettings", "field_settings", "predict_volume", "tiles_field"]

DEFAULT_INPUT_SIZE = 448


@dataclass(frozen=True)
class FieldSettings:
    """How a model version's network sees a section: its input size, and ``tile_large``: True
    when it was trained on native-resolution crops (every section is tiled at native resolution,
    whatever the modality), False when it was trained on sections resized to the input (every
    section is resized), None when the version does not say (the modality decides)."""

    input_size: int = DEFAULT_INPUT_SIZE
    tile_large: bool | None = None


def field_settings(
    meta: Mapping[str, Any] | None, config: Mapping[str, Any] | None
) -> FieldSettings:
    """The settings of a model version from its weights' metadata and its config.

    In-silico-labelling versions are trained on sections resized to the input
    (``isl.isl_tensors``) unless their config says native crops."""
    meta, config = meta or {}, config or {}
    input_size = int(meta.get("input_size") or config.get("input_size") or DEFAULT_INPUT_SIZE)
    native = config.get("native_crops")
    if native is None and config.get("task") == "isl":
        native = False
    return FieldSettings(input_size, native if isinstance(native, bool) else None)


def tiles_field(height: int, width: int, *, input_size: int, modality: str, tile_large) -> bool:
    """Whether a ``height`` x ``width`` section is tiled at native resolution (else resized).

    ``tile_large`` True (native-crop versions): always, a section smaller than a tile padded to
    it as in training. False: never. None: sections larger than the input, of any modality but
    RI (whose networks are trained on tomogram sections resized to the input)."""
    if tile_large is None:
        return modality != "ri" and max(height, width) > input_size
    return bool(tile_large)


def predict_volume(
    model: nn.Module,
    volume: np.ndarray,
    *,
    input_size: int = DEFAULT_INPUT_SIZE,
    batch_size: int = 16,
    device: torch.device,
    modality: str = "ri",
    tile_large: bool | None = None,
    overlap: int | None = None,
    layout: HeadLayout | None = None,
    foreground_two_pass: bool = False,
) -> np.ndarray:
    """Nucleus probabilities for every voxel of a (z, y, x) volume, float32 in [0, 1]. A
    multi-channel volume (z, c, y, x) (bright-field + phase, ...) gives (z, y, x) too: each
    section's channels are normalised one by one and stacked as the network's input channels.

    Each z-section is normalised exactly as in training (``data.normalise``: physical RI scaling
    for RI, per-section percentiles otherwise), then either resized to ``input_size``, predicted
    in batches and its probability map resized back to the native (y, x) grid, or, where
    ``tiles_field`` says so, predicted at native resolution in tiles of at most ``input_size``
    overlapping by ``overlap`` (default a quarter tile) and blended (``tiling.predict_tiled``,
    docs/tiling.md). Works through the volume ``batch_size`` sections at a time so host memory
    stays bounded for large tomograms.

    With a ``layout`` (several classes or an instance output) every channel is predicted, tiled
    and resized alike: (z, C, y, x) maps, ``label_output.activate_tensor`` of the logits.
    ``foreground_two_pass``: the model was trained on foreground-normalised images (paper 003);
    each input (each tile) is first normalised on its own statistics for the model to find the
    foreground, then on that foreground's (``foreground.two_pass_inputs``).
    """
    if volume.ndim not in (3, 4):
        raise ValueError(f"need a (z, y, x) or (z, c, y, x) volume, got shape {volume.shape}")
    z, h, w = volume.shape[0], volume.shape[-2], volume.shape[-1]
    channels = 1 if layout is None else layout.channels
    out = np.empty((z, channels, h, w), dtype=np.float32)
    activation = torch.sigmoid if layout is None else partial(activate_tensor, layout=layout)

    def probabilities(x: torch.Tensor) -> torch.Tensor:
        return predict_probabilities(
            model, x, device=device, batch_size=batch_size, activation=activation
        )

    def foreground(probs: torch.Tensor) -> torch.Tensor:
        # A binary output's probability, or 1 - P(background) of a softmax over classes.
        single = layout is None or layout.n_classes == 1
        return probs[:, :1] if single else 1.0 - probs[:, :1]

    def predict(x: torch.Tensor) -> torch.Tensor:
        if foreground_two_pass:
            x = two_pass_inputs(x, lambda images: foreground(probabilities(images)))
        return probabilities(x)

    # Probabilities lie in [0, 1]; a regressed distance channel is not clamped.
    clamped = channels if layout is None else layout.n_classes
    tiled = tiles_field(h, w, input_size=input_size, modality=modality, tile_large=tile_large)
    overlap = input_size // 4 if overlap is None else overlap
    for start in range(0, z, batch_size):
        chunk = volume[start : start + batch_size]
        if volume.ndim == 4:
            sections = torch.stack([normalise_channels(s, modality) for s in chunk])
        elif modality == "ri":  # one affine map for the whole chunk: same result
            sections = normalise(chunk, "ri").unsqueeze(1)
        else:
            sections = torch.stack([normalise(s, modality) for s in chunk]).unsqueeze(1)
        if tiled:
            prob = predict_tiled(
                predict,
                sections,
                tile=input_size,
                overlap=overlap,
                stride=network_stride(model),
                batch_size=batch_size,
            )
        else:
            x = resize_images(sections, input_size)
            prob = resize_images(predict(x), (h, w))
        prob[:, :clamped].clamp_(0.0, 1.0)
        out[start : start + chunk.shape[0]] = prob.numpy()
    return out[:, 0] if layout is None else out
