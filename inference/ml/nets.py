"""Segmentation networks compared in the OS-Net paper (2D, one section in, one logit map out).

All networks share the same skeleton: four down modules, a bridge ConvBlock, four up modules and a
1x1 convolution head that returns logits (the sigmoid belongs to the loss or to inference, which
keeps BCE numerically stable and lets bf16 autocast run the whole body).

OS-Net follows the authors' published ``osnet.py`` rather than the paper's prose where the two
differ (see docs/performance.md): every convolution is conv (no bias) + BatchNorm + ReLU, the GCN has
kernel 7, the long skip carries ``c + g`` (the short skip connection, SSC) while the max-pool takes
``g`` alone, and the up-sampling transposed convolution has neither bias nor BatchNorm. These
choices reproduce the published parameter counts exactly (OS-Net 3,075,489; Unet16 2,464,289;
Unet64 39,391,361).

"Unet16+GCN+SSC" in the paper's Table 2 is the OS-Net architecture trained without augmentation:
the paper builds OS-Net by adding GCN and then SSC to Unet16, and then adds augmentation ("Our
proposed model, OS-Net showed the highest segmentation performance again"). Augmentation is a
training choice, not an architectural one, so ``unet16_gcn_ssc`` builds exactly the OS-Net module
(same class, same state-dict layout: weights load interchangeably). Only its display label differs,
so a run can record which training recipe it stood for.

Input height and width must be multiples of 16 (four 2x poolings); 448 = 16 * 28.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

__all__ = [
    "MODEL_NAMES",
    "ConvBlock",
    "DownModule",
    "FusionNet",
    "GCNBlock",
    "ResidualConvBlock",
    "UNet",
    "UpModule",
    "count_parameters",
    "create_model",
    "model_info",
    "model_label",
]

FEATURES_16: tuple[int, ...] = (16, 32, 64, 128, 256)
FEATURES_64: tuple[int, ...] = (64, 128, 256, 512, 1024)
GCN_KERNEL = 7
_DEPTH_FACTOR = 16  # four 2x2 max-pools


def conv_bn_relu(
    in_channels: int,
    out_channels: int,
    kernel_size: int | tuple[int, int] = 3,
) -> nn.Sequential:
    """Convolution without bias (BatchNorm's shift makes it redundant) + BatchNorm + ReLU."""
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    padding = (kernel_size[0] // 2, kernel_size[1] // 2)  # "same" output size
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, padding=padding, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class ConvBlock(nn.Sequential):
    """Two 3x3 conv + BatchNorm + ReLU layers."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(
            conv_bn_relu(in_channels, out_channels, 3),
            conv_bn_relu(out_channels, out_channels, 3),
        )


class GCNBlock(nn.Module):
    """Global convolution: two separable k x k paths (1xk then kx1, and kx1 then 1xk), summed.

    Enlarges the receptive field to k x k with 4k weights per channel pair instead of k^2.
    """

    def __init__(self, channels: int, kernel: int = GCN_KERNEL) -> None:
        super().__init__()
        if kernel % 2 != 1:
            raise ValueError(f"GCN kernel must be odd to keep the size, got {kernel}")
        self.path_a = nn.Sequential(
            conv_bn_relu(channels, channels, (1, kernel)),
            conv_bn_relu(channels, channels, (kernel, 1)),
        )
        self.path_b = nn.Sequential(
            conv_bn_relu(channels, channels, (kernel, 1)),
            conv_bn_relu(channels, channels, (1, kernel)),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.path_a(x) + self.path_b(x)


class DownModule(nn.Module):
    """Encoder stage; returns ``(skip, pooled)``.

    ``gcn=False``: skip = c, pool(c) (plain U-Net).
    ``gcn=True, short_skip=False``: skip = g, pool(g) (Unet16+GCN).
    ``gcn=True, short_skip=True``: skip = c + g, pool(g) (OS-Net, as in the authors' code).
    """

    def __init__(
        self, in_channels: int, out_channels: int, *, gcn: bool = False, short_skip: bool = False
    ) -> None:
        super().__init__()
        if short_skip and not gcn:
            raise ValueError("a short skip connection needs the GCN layer it bypasses")
        self.conv = ConvBlock(in_channels, out_channels)
        self.gcn = GCNBlock(out_channels) if gcn else None
        self.short_skip = short_skip
        self.pool = nn.MaxPool2d(2)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        c = self.conv(x)
        if self.gcn is None:
            return c, self.pool(c)
        g = self.gcn(c)
        skip = c + g if self.short_skip else g
        return skip, self.pool(g)


class UpModule(nn.Module):
    """Decoder stage: 4x4 transposed conv (x2), concatenate [skip, up], ConvBlock(2*out -> out)."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(
            in_channels, out_channels, kernel_size=4, stride=2, padding=1, bias=False
        )
        self.conv = ConvBlock(2 * out_channels, out_channels)

    def forward(self, x: Tensor, skip: Tensor) -> Tensor:
        return self.conv(torch.cat([skip, self.up(x)], dim=1))


def _check_spatial(x: Tensor) -> None:
    h, w = x.shape[-2:]
    if h % _DEPTH_FACTOR or w % _DEPTH_FACTOR:
        raise ValueError(f"input height and width must be multiples of 16, got {h}x{w}")


class UNet(nn.Module):
    """U-Net family of the paper: Unet64, Unet16, Unet16+GCN and OS-Net (= Unet16+GCN+SSC)."""

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        features: Sequence[int] = FEATURES_16,
        *,
        gcn: bool = False,
        short_skip: bool = False,
    ) -> None:
        super().__init__()
        features = tuple(features)
        if len(features) < 2:
            raise ValueError("need at least one down module and a bridge")
        channels = (in_channels, *features[:-1])
        self.downs = nn.ModuleList(
            DownModule(channels[i], channels[i + 1], gcn=gcn, short_skip=short_skip)
            for i in range(len(features) - 1)
        )
        self.bridge = ConvBlock(features[-2], features[-1])
        self.ups = nn.ModuleList(
            UpModule(features[i], features[i - 1]) for i in range(len(features) - 1, 0, -1)
        )
        self.head = nn.Conv2d(features[0], out_channels, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        _check_spatial(x)
        skips: list[Tensor] = []
        for down in self.downs:
            skip, x = down(x)
            skips.append(skip)
        x = self.bridge(x)
        for up, skip in zip(self.ups, reversed(skips)):
            x = up(x, skip)
        return self.head(x)


class ResidualConvBlock(nn.Module):
    """FusionNet's conv-residual-conv unit (Quan et al. 2016).

    conv3x3 -> [three conv3x3 layers, summed with their input (identity residual)] -> conv3x3,
    every conv followed by BatchNorm and ReLU. The residual inside each stage is what lets
    FusionNet be deeper (five convs per stage instead of U-Net's two) and still train.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv_in = conv_bn_relu(in_channels, out_channels, 3)
        self.residual = nn.Sequential(
            *(conv_bn_relu(out_channels, out_channels, 3) for _ in range(3))
        )
        self.conv_out = conv_bn_relu(out_channels, out_channels, 3)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv_in(x)
        x = x + self.residual(x)
        return self.conv_out(x)


class FusionNet(nn.Module):
    """FusionNet (Quan et al. 2016) with 16->256 feature maps, as the OS-Net paper compared it.

    Differences from U-Net that define FusionNet: every stage is a conv-residual-conv unit, and the
    long skips are *summed* with the up-sampled decoder features instead of concatenated (so the
    decoder stays as wide as the encoder). Up-sampling is a 4x4 stride-2 transposed conv followed
    by BatchNorm + ReLU (Quan et al. normalise every layer; the summation needs both operands on
    a comparable scale). The head is a 1x1 conv returning logits like the other networks here.
    """

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        features: Sequence[int] = FEATURES_16,
    ) -> None:
        super().__init__()
        features = tuple(features)
        channels = (in_channels, *features[:-1])
        self.downs = nn.ModuleList(
            ResidualConvBlock(channels[i], channels[i + 1]) for i in range(len(features) - 1)
        )
        self.pool = nn.MaxPool2d(2)
        self.bridge = ResidualConvBlock(features[-2], features[-1])
        self.ups = nn.ModuleList(
            nn.Sequential(
                nn.ConvTranspose2d(
                    features[i], features[i - 1], kernel_size=4, stride=2, padding=1, bias=False
                ),
                nn.BatchNorm2d(features[i - 1]),
                nn.ReLU(inplace=True),
            )
            for i in range(len(features) - 1, 0, -1)
        )
        self.decoders = nn.ModuleList(
            ResidualConvBlock(features[i - 1], features[i - 1])
            for i in range(len(features) - 1, 0, -1)
        )
        self.head = nn.Conv2d(features[0], out_channels, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        _check_spatial(x)
        skips: list[Tensor] = []
        for down in self.downs:
            x = down(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bridge(x)
        for up, decode, skip in zip(self.ups, self.decoders, reversed(skips)):
            x = decode(up(x) + skip)
        return self.head(x)


@dataclass(frozen=True)
class _ModelSpec:
    label: str
    build: Callable[[int, int], nn.Module]


_REGISTRY: dict[str, _ModelSpec] = {
    "osnet": _ModelSpec("OS-Net", lambda i, o: UNet(i, o, FEATURES_16, gcn=True, short_skip=True)),
    "unet64": _ModelSpec("Unet64", lambda i, o: UNet(i, o, FEATURES_64)),
    "unet16": _ModelSpec("Unet16", lambda i, o: UNet(i, o, FEATURES_16)),
    "unet16_gcn": _ModelSpec("Unet16+GCN", lambda i, o: UNet(i, o, FEATURES_16, gcn=True)),
    # Same architecture as OS-Net (see the module docstring): an alias, not a variant.
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
