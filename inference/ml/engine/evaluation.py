"""Pooled pixel metrics of a model over batches, and sigmoid probabilities for sections."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ..device import autocast_context
from ..metrics.counts import paper_scores
from .losses import LossFn
from .setup import device_inputs

__all__ = ["EvalStats", "evaluate", "predict_probabilities", "scores"]


@dataclass
class EvalStats:
    """Pooled over every pixel of every section at threshold 0.5 (the paper's definitions)."""

    loss: float
    dice: float
    jaccard: float
    f05: float
    precision: float
    recall: float


def scores(tp: float, fp: float, fn: float) -> dict[str, float]:
    """The five pooled threshold metrics from confusion counts, as the reports compute them
    (``inference.ml.metrics.paper_scores``): a 0/0 ratio is 1.0 only when nothing was predicted
    and nothing was to be found, else 0.0 (a prediction where the truth has none scores recall
    0, as it does in an evaluation)."""
    return paper_scores(int(tp), int(fp), int(fn))


@torch.inference_mode()
def evaluate(
    model: nn.Module,
    batches: Iterable[tuple[Tensor, Tensor]],
    loss_fn: LossFn,
    *,
    device: torch.device,
    threshold: float = 0.5,
) -> EvalStats:
    """Loss and pooled pixel metrics (DICE, Jaccard, F0.5, precision, recall) at ``threshold``.

    Counts are accumulated on the device and scored once, as the reports score them
    (:func:`scores`).
    """
    model.eval()
    counts = torch.zeros(3, device=device, dtype=torch.float64)  # tp, fp, fn
    loss_sum = torch.zeros((), device=device, dtype=torch.float64)
    sections = 0
    for x, y in batches:
        x, y = device_inputs(x, device), device_inputs(y, device)
        with autocast_context(device):
            logits = model(x)
        logits = logits.float()
        y = y.float()
        n = x.shape[0]
        loss_sum += loss_fn(logits, y).double() * n
        pred = torch.sigmoid(logits) > threshold
        truth = y > 0.5
        tp = (pred & truth).sum()
        fp = (pred & ~truth).sum()
        fn = (~pred & truth).sum()
        counts += torch.stack([tp, fp, fn]).double()
        sections += n
    tp, fp, fn = counts.tolist()  # the one host synchronisation
    loss = float(loss_sum) / sections if sections else math.nan
    return EvalStats(loss=loss, **scores(tp, fp, fn))


@torch.no_grad()  # not inference_mode: callers may post-process the result in place
def predict_probabilities(
    model: nn.Module,
    images: Tensor,
    *,
    device: torch.device,
    batch_size: int = 32,
    activation: Callable[[Tensor], Tensor] = torch.sigmoid,
) -> Tensor:
    """Sigmoid probabilities (N, C, S, S) float32 on the CPU for normalised input sections
    (another ``activation`` of the logits: a head layout's, ``label_output.activate_tensor``)."""
    if images.ndim != 4:
        raise ValueError(f"need (N, C, S, S) images, got {tuple(images.shape)}")
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    model.eval()
    outputs: list[Tensor] = []
    for start in range(0, images.shape[0], batch_size):
        x = device_inputs(images[start : start + batch_size], device)
        with autocast_context(device):
            logits = model(x)
        outputs.append(activation(logits.float()).contiguous())
    if not outputs:
        return torch.empty((0, 1, *images.shape[-2:]), dtype=torch.float32)
    return torch.cat(outputs).cpu()  # one device-to-host copy at the end
