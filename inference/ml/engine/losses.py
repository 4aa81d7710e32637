"""Loss and optimiser factories for the training loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["LossFn", "dice_bce_loss", "make_loss", "make_optimizer"]

LossFn = Callable[[Tensor, Tensor], Tensor]


def dice_bce_loss(logits: Tensor, target: Tensor, smooth: float = 1.0) -> Tensor:
    """BCE plus soft Dice (pooled over the batch, so empty sections do not give 0/0)."""
    logits = logits.float()
    target = target.float()
    bce = F.binary_cross_entropy_with_logits(logits, target)
    prob = torch.sigmoid(logits)
    inter = (prob * target).sum()
    dice = (2.0 * inter + smooth) / (prob.sum() + target.sum() + smooth)
    return bce + (1.0 - dice)


def make_loss(name: Literal["bce", "dice_bce"]) -> LossFn:
    """``"bce"``: BCE with logits (the paper). ``"dice_bce"``: BCE + soft Dice (paper 001)."""
    if name == "bce":
        return nn.BCEWithLogitsLoss()
    if name == "dice_bce":
        return dice_bce_loss
    raise ValueError(f"unknown loss {name!r}; valid: 'bce', 'dice_bce'")


def make_optimizer(
    model: nn.Module, lr: float = 5e-4, betas: tuple[float, float] = (0.5, 0.999)
) -> torch.optim.Adam:
    """Adam with the paper's settings; the fused CUDA kernel when the parameters live there."""
    params = [p for p in model.parameters() if p.requires_grad]
    fused = bool(params) and all(p.device.type == "cuda" for p in params)
    return torch.optim.Adam(params, lr=lr, betas=betas, fused=fused or None)
