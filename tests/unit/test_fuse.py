"""``fuse_conv_bn``: the folded network computes what the network with BatchNorm computes."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from inference.ml.fuse import fuse_conv_bn
from inference.ml.nets import create_model


@pytest.mark.parametrize("arch", ["unet16", "osnet"])
def test_folded_batchnorm_gives_the_same_probabilities(arch):
    torch.manual_seed(0)
    model = create_model(arch)
    # Running statistics far from the identity map, as after training.
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.2, 0.2)
    model.eval()
    fused = fuse_conv_bn(model)
    x = torch.randn(2, 1, 32, 32)
    with torch.inference_mode():
        expected, got = model(x), fused(x)
    assert torch.allclose(got, expected, atol=1e-4, rtol=1e-4)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in fused.modules())
    assert any(isinstance(m, nn.BatchNorm2d) for m in model.modules())  # the original is kept
