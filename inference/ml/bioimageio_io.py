"""A package's input and output tensors: how many channels, their names, the preprocessing and
the postprocessing, for a binary network, a network with several classes, an instance channel,
or several input channels (bright-field + phase).

- Input: ``batch, channel, y, x``; one channel per named input channel (``ri`` for one RI
  section). RI is normalised as ``(ri - 1.337) / 0.03`` clipped to ±10
  (``fixed_zero_mean_unit_variance`` then ``clip``); other modalities by their 1st and 99.8th
  percentiles per channel (``scale_range`` over ``y, x``).
- Output, by :class:`~inference.ml.heads.HeadLayout`: ``nucleus_probability`` (one channel,
  ``sigmoid``) for a binary network; ``class_probability`` (background then each class,
  ``softmax`` over channels) for several classes; ``outputs`` (the class logits then the
  ``distance`` or ``boundary`` channel, no postprocessing) when there is an instance channel,
  since the format's postprocessing applies to a whole tensor and the softmax must skip the
  instance channel. ``config.cellweb.output`` says which channel is what and how each is
  activated in every case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from .data import RI_CENTER, RI_SCALE, normalise_percentile
from .heads import HeadLayout, attach_heads
from .nets import create_model

__all__ = [
    "RI_CLIP",
    "PackageIO",
    "create_package_model",
    "identifier",
    "package_predict",
]

RI_CLIP = 10.0
PERCENTILES = (1.0, 99.8)  # inference.ml.data.normalise_percentile's defaults


def identifier(name: str, fallback: str) -> str:
    """A bioimage.io identifier (letters, digits, ``_``; not starting with a digit)."""
    cleaned = re.sub(r"\W+", "_", name.strip(), flags=re.ASCII).strip("_")
    if not cleaned:
        return fallback
    return cleaned if not cleaned[0].isdigit() else f"{fallback}_{cleaned}"


def _unique(names: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def create_package_model(
    name: str, *, in_channels: int = 1, n_classes: int = 1, instance: str | None = None
) -> nn.Module:
    """The package's architecture for its state dict: ``create_model`` with the output heads
    of ``HeadLayout(n_classes, instance)`` attached (``inference.ml.heads``), as a version that
    records its outputs is loaded (a binary one too: its head is then ``head.classes``)."""
    model = create_model(name, in_channels=in_channels)
    return attach_heads(model, HeadLayout(n_classes=n_classes, instance=instance))


@dataclass(frozen=True)
class PackageIO:
    """What a version takes and gives; the default is the one-channel RI nucleus network."""

    layout: HeadLayout = HeadLayout()
    classes: tuple[Mapping[str, Any], ...] = ()  # {value, name, kind} as the version records
    channel_names: tuple[str, ...] = ()  # the input channels' names; () for one section
    in_channels: int = 1
    modality: str = "ri"
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def recorded(self) -> bool:
        """Whether the version records its outputs (several classes or an instance head)."""
        return self.layout != HeadLayout() or bool(self.classes)

    @property
    def input_id(self) -> str:
        return "ri" if self.modality == "ri" else "image"

    @property
    def output_id(self) -> str:
        if self.layout.instance:
            return "outputs"
        return "nucleus_probability" if self.layout.n_classes == 1 else "class_probability"

    def input_names(self) -> list[str]:
        if self.in_channels == 1 and not self.channel_names:
            return ["ri" if self.modality == "ri" else "image"]
        names = list(self.channel_names) or [f"channel{i}" for i in range(self.in_channels)]
        return _unique([identifier(n, f"channel{i}") for i, n in enumerate(names)])

    def output_names(self) -> list[str]:
        if self.layout.n_classes == 1:
            named = self.classes[0]["name"] if self.classes else "nucleus"
            names = [identifier(str(named), "nucleus")]
        else:
            names = ["background"] + [
                identifier(str(c["name"]), f"class{c['value']}") for c in self.classes
            ]
            names += [f"class{v}" for v in range(len(names), self.layout.n_classes)]
        names += [self.layout.instance] if self.layout.instance else []
        return _unique(names)

    def output_config(self) -> dict[str, Any]:
        """``config.cellweb.output``: which channel is what and its activation."""
        layout = self.layout
        activation = "sigmoid" if layout.n_classes == 1 else "softmax"
        if layout.n_classes == 1:
            values = [int(self.classes[0]["value"]) if self.classes else 1]
        else:
            values = [0, *(int(c["value"]) for c in self.classes)]
            values += list(range(len(values), layout.n_classes))
        names = self.output_names()
        channels: list[dict[str, Any]] = [
            {"name": n, "class_value": v, "activation": activation} for n, v in zip(names, values)
        ]
        if layout.instance:
            instance_activation = "sigmoid" if layout.instance == "boundary" else "none"
            channels.append({"name": names[-1], "activation": instance_activation})
        return {
            "tensor": self.output_id,
            "postprocessed": not layout.instance,
            "channels": channels,
        }

    def cellweb_config(self) -> dict[str, Any]:
        """What import needs to rebuild the version: ``config.cellweb`` of the description."""
        return {
            **dict(self.extra),
            "in_channels": int(self.in_channels),
            "channel_names": list(self.channel_names),
            "modality": self.modality,
            "head_layout": self.layout.to_dict() if self.recorded else None,
            "classes": [dict(c) for c in self.classes],
            "output": self.output_config(),
        }

    def test_input(self, section: np.ndarray) -> np.ndarray:
        """``(1, C, S, S)`` from one synthetic RI section: RI channels are shifted copies,
        other modalities the section in arbitrary units, alternately inverted (bright-field
        shows nuclei dark, phase bright)."""
        channels = []
        for i in range(self.in_channels):
            if self.modality == "ri":
                channels.append(section + 0.001 * i)
            else:
                sign = -1.0 if i % 2 else 1.0
                channels.append(1000.0 + sign * (section - 1.3337) * 1e4)
        return np.stack(channels)[None].astype(np.float32)

    def normalise(self, x: torch.Tensor) -> torch.Tensor:
        """The package's preprocessing, as CellWeb normalises (``inference.ml.data``)."""
        if self.modality == "ri":
            return ((x - RI_CENTER) / RI_SCALE).clamp(-RI_CLIP, RI_CLIP)
        low, high = PERCENTILES
        return torch.stack(
            [
                torch.stack([normalise_percentile(channel, low, high) for channel in sample])
                for sample in x
            ]
        )

    def activate(self, output: torch.Tensor) -> torch.Tensor:
        """The package's postprocessing (none with an instance channel: the raw outputs)."""
        if self.layout.instance:
            return output
        return torch.sigmoid(output) if self.layout.n_classes == 1 else output.softmax(dim=1)


def package_predict(model: nn.Module, image: np.ndarray, io: PackageIO = PackageIO()) -> np.ndarray:
    """The package's whole pipeline on ``(N, C, H, W)`` input: normalise, network, activate."""
    x = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))
    model.eval()
    with torch.no_grad():
        return io.activate(model(io.normalise(x))).numpy().astype(np.float32)
