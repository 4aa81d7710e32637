"""Seeding, and placing the model and its inputs on the device in channels_last."""

from __future__ import annotations

import random

import numpy as np
import torch
from torch import Tensor, nn

from ..device import to_device

__all__ = ["device_inputs", "prepare_model", "seed_everything", "synchronize"]


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch (all devices); returns a CPU generator for augmentation and
    sampling, so those draws do not depend on how many random numbers the model init consumed."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def prepare_model(model: nn.Module, device: torch.device, *, compile: bool = False) -> nn.Module:
    """Move to ``device`` in channels_last; optionally ``torch.compile`` it (worth it on CUDA,
    where fusing BatchNorm/ReLU/add saves memory traffic; off by default because compilation
    takes minutes and needs a compiler toolchain)."""
    model = model.to(device=device, memory_format=torch.channels_last)
    if compile:
        return torch.compile(model)  # type: ignore[return-value]
    return model


def device_inputs(x: Tensor, device: torch.device) -> Tensor:
    """``x`` on ``device`` in channels_last, the layout the prepared model expects."""
    return to_device(x, device).contiguous(memory_format=torch.channels_last)


def synchronize(device: torch.device) -> None:
    """Wait for queued CUDA work (so timings are honest); nothing to wait for elsewhere."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
