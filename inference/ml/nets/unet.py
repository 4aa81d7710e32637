"""The U-Net family of the paper: Unet16, Unet64, Unet16+GCN and OS-Net (GCN + short skip)."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from .blocks import FEATURES_16, ConvBlock, DownModule, UpModule, check_spatial

__all__ = ["UNet"]


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
        check_spatial(x)
        skips: list[Tensor] = []
        for down in self.downs:
            skip, x = down(x)
            skips.append(skip)
        x = self.bridge(x)
        for up, skip in zip(self.ups, reversed(skips)):
            x = up(x, skip)
        return self.head(x)
