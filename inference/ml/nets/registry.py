"""The network registry: names, display labels, ``create_model`` and parameter counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from .blocks import FEATURES_16, FEATURES_64
from .fusionnet import FusionNet
from .unet import UNet

__all__ = [
    "ALIASES",
    "MODEL_NAMES",
    "count_parameters",
    "create_model",
    "model_info",
    "model_label",
]


@dataclass(frozen=True)
class _ModelSpec:
    label: str
    build: Callable[[int, int], nn.Module]


_REGISTRY: dict[str, _ModelSpec] = {
    "osnet": _ModelSpec("OS-Net", lambda i, o: UNet(i, o, FEATURES_16, gcn=True, short_skip=True)),
    "unet64": _ModelSpec("Unet64", lambda i, o: UNet(i, o, FEATURES_64)),
    "unet16": _ModelSpec("Unet16", lambda i, o: UNet(i, o, FEATURES_16)),
    "unet16_gcn": _ModelSpec("Unet16+GCN", lambda i, o: UNet(i, o, FEATURES_16, gcn=True)),
    # Same architecture as OS-Net (see the package docstring): an alias, not a variant.
    "unet16_gcn_ssc": _ModelSpec(
        "Unet16+GCN+SSC", lambda i, o: UNet(i, o, FEATURES_16, gcn=True, short_skip=True)
    ),
    "fusionnet": _ModelSpec("FusionNet (16→256)", lambda i, o: FusionNet(i, o, FEATURES_16)),
}

MODEL_NAMES: tuple[str, ...] = tuple(_REGISTRY)

# Names whose modules are identical (same class and state-dict layout) to another name's.
ALIASES: dict[str, str] = {"unet16_gcn_ssc": "osnet"}


def _spec(name: str) -> _ModelSpec:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"unknown network {name!r}; valid names: {', '.join(MODEL_NAMES)}"
        ) from None


def create_model(name: str, *, in_channels: int = 1, out_channels: int = 1) -> nn.Module:
    """Build a freshly initialised network by registry name (raises ValueError if unknown)."""
    return _spec(name).build(in_channels, out_channels)


def model_label(name: str) -> str:
    """Display label used in the paper's tables, e.g. ``"OS-Net"``."""
    return _spec(name).label


def count_parameters(model: nn.Module, *, trainable_only: bool = True) -> int:
    """Number of (trainable) parameters; BatchNorm running statistics are buffers, not counted."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


_PARAMETER_CACHE: dict[str, int] = {}


def model_info(name: str) -> dict[str, str | int]:
    """``{"label": ..., "parameters": ...}`` for a registry name (1-channel in and out)."""
    spec = _spec(name)
    if name not in _PARAMETER_CACHE:
        # Building on the meta device costs no memory and no initialisation time (Unet64 is 39 M).
        with torch.device("meta"):
            _PARAMETER_CACHE[name] = count_parameters(spec.build(1, 1))
    return {"label": spec.label, "parameters": _PARAMETER_CACHE[name]}
