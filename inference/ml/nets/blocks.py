"""Building blocks named after the paper: conv-BN-ReLU, ConvBlock, GCN, down and up modules."""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = [
    "DEPTH_FACTOR",
    "FEATURES_16",
    "FEATURES_64",
    "GCN_KERNEL",
    "ConvBlock",
    "DownModule",
    "GCNBlock",
    "UpModule",
    "check_spatial",
    "conv_bn_relu",
]

FEATURES_16: tuple[int, ...] = (16, 32, 64, 128, 256)
FEATURES_64: tuple[int, ...] = (64, 128, 256, 512, 1024)
GCN_KERNEL = 7
DEPTH_FACTOR = 16  # four 2x2 max-pools


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


def check_spatial(x: Tensor) -> None:
    h, w = x.shape[-2:]
    if h % DEPTH_FACTOR or w % DEPTH_FACTOR:
        raise ValueError(f"input height and width must be multiples of 16, got {h}x{w}")
