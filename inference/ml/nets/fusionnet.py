"""FusionNet: residual blocks inside each level, summed (not concatenated) long skips."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from .blocks import FEATURES_16, check_spatial, conv_bn_relu

__all__ = ["FusionNet", "ResidualConvBlock"]


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
        check_spatial(x)
        skips: list[Tensor] = []
        for down in self.downs:
            x = down(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bridge(x)
        for up, decode, skip in zip(self.ups, self.decoders, reversed(skips)):
            x = decode(up(x) + skip)
        return self.head(x)
