"""Training tensors of a network with several classes or an instance head (docs/training.md).

The images are read and normalised as for a binary network (``datasets``); the targets are what
``losses.pack_targets`` packs: channel 0 the output channel of each pixel's class (0
background), and with an instance head channel 1 its target, the distance of each nucleus to its
own border or its border pixels (``ml/instances.py``), computed from the stored instance ids
after resizing, so every nucleus keeps its own peak whatever the input size.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from inference.datasets import SnapshotEntry, load_sections
from inference.ml.data import normalise, resize_images, resize_masks
from inference.ml.foreground import foreground_normalise
from inference.ml.instances import boundary_target, distance_target
from inference.ml.losses import pack_targets
from inference.output_classes import OutputClasses

__all__ = ["head_native_sections", "head_tensors", "instance_target"]


def instance_target(kind: str | None, instances: np.ndarray) -> np.ndarray | None:
    """The instance channel's target of one instance map (None without an instance output)."""
    if kind is None:
        return None
    return distance_target(instances) if kind == "distance" else boundary_target(instances)


def _section(
    image: np.ndarray,
    labels: tuple[np.ndarray, np.ndarray],
    outputs: OutputClasses,
    *,
    modality: str,
    size: int | None,
    foreground: bool,
) -> tuple[Tensor, Tensor]:
    """(1, S, S) image and (1 or 2, S, S) targets; ``size`` None keeps the native grid."""
    x = normalise(image, modality)[None, None]
    classes = torch.from_numpy(labels[0].astype(np.float32))[None, None]
    ids = torch.from_numpy(labels[1].astype(np.float32))[None, None]
    if size is not None:
        x = resize_images(x, size)
        classes, ids = resize_masks(classes, size), resize_masks(ids, size)
    if foreground:
        x = foreground_normalise(x, classes > 0)
    extra = instance_target(outputs.layout.instance, ids[0, 0].numpy().astype(np.int64))
    y = pack_targets(classes[0].numpy(), None if extra is None else extra[None])
    return x[0], y[0]


def _read(
    entries: Sequence[SnapshotEntry], outputs: OutputClasses, size: int | None, foreground: bool
) -> tuple[list[Tensor], list[Tensor]]:
    images, labels = load_sections(entries, outputs.targets)
    pairs = [
        _section(image, label, outputs, modality=e.modality, size=size, foreground=foreground)
        for image, label, e in zip(images, labels, entries, strict=True)
    ]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def head_tensors(
    entries: Sequence[SnapshotEntry],
    outputs: OutputClasses,
    *,
    input_size: int,
    foreground: bool = False,
    chunk: int = 64,
) -> tuple[Tensor, Tensor]:
    """(N, 1, S, S) images and (N, 1 or 2, S, S) targets, sections resized to ``input_size``;
    ``foreground``: each image normalised on its annotated foreground (paper 003)."""
    channels = outputs.layout.channels - outputs.layout.n_classes + 1
    x = torch.empty((len(entries), 1, input_size, input_size), dtype=torch.float32)
    y = torch.empty((len(entries), channels, input_size, input_size), dtype=torch.float32)
    for start in range(0, len(entries), chunk):
        images, targets = _read(entries[start : start + chunk], outputs, input_size, foreground)
        for i, (image, target) in enumerate(zip(images, targets, strict=True)):
            x[start + i], y[start + i] = image, target
    return x, y


def head_native_sections(
    entries: Sequence[SnapshotEntry], outputs: OutputClasses, *, foreground: bool = False
) -> tuple[list[Tensor], list[Tensor]]:
    """(1, H, W) images and (1 or 2, H, W) targets at native resolution (native crops)."""
    return _read(entries, outputs, None, foreground)
