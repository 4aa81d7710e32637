"""One training epoch, with a progress callback and a cancel check (MONAI-style collaborators)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ..device import autocast_context
from .losses import LossFn
from .setup import device_inputs, synchronize

__all__ = ["EpochStats", "TrainingCancelled", "train_one_epoch"]


class TrainingCancelled(Exception):
    """Raised by ``train_one_epoch`` when ``should_stop()`` turns true."""


@dataclass
class EpochStats:
    epoch: int
    loss: float
    sections: int
    seconds: float
    sections_per_s: float


def train_one_epoch(
    model: nn.Module,
    batches: Iterable[tuple[Tensor, Tensor]],
    optimizer: torch.optim.Optimizer,
    loss_fn: LossFn,
    *,
    device: torch.device,
    epoch: int,
    n_batches: int | None = None,
    on_batch: Callable[[int, int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> EpochStats:
    """One pass over ``batches``; returns the section-weighted mean loss and throughput.

    ``should_stop()`` is checked before each batch and raises ``TrainingCancelled`` when true.
    ``on_batch(done, total, loss)`` is called after each batch with the 1-based batch count, the
    total (``n_batches``, else ``len(batches)``, else 0 for unknown) and that batch's loss; it
    costs one host synchronisation per batch on CUDA, negligible at batch 32.
    """
    model.train()
    total = (
        n_batches if n_batches is not None else (len(batches) if isinstance(batches, Sized) else 0)
    )
    loss_sum = torch.zeros((), device=device, dtype=torch.float64)
    sections = 0
    start = time.perf_counter()
    for i, (x, y) in enumerate(batches):
        if should_stop is not None and should_stop():
            raise TrainingCancelled(f"cancelled in epoch {epoch} before batch {i + 1}")
        x, y = device_inputs(x, device), device_inputs(y, device)
        with autocast_context(device):
            logits = model(x)
        loss = loss_fn(logits.float(), y.float())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        n = x.shape[0]
        sections += n
        loss_sum += loss.detach().double() * n
        if on_batch is not None:
            on_batch(i + 1, total, float(loss.detach()))
    synchronize(device)
    seconds = time.perf_counter() - start
    mean_loss = float(loss_sum) / sections if sections else math.nan
    return EpochStats(
        epoch=epoch,
        loss=mean_loss,
        sections=sections,
        seconds=seconds,
        sections_per_s=sections / seconds if seconds > 0 else 0.0,
    )
