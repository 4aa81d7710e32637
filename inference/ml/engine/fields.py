"""Validation of networks trained on native crops: whole fields tiled at native resolution.

A network trained on native-resolution crops (``ml/crops.py``) is validated on the whole held-out
fields, cut into input-size tiles with a quarter-tile overlap and blended (``ml/tiling.py``), as
it will be at prediction. Its loss is taken on the blended logits (the blending weights sum to 1,
so a blended logit is a weighted mean of the tiles' logits) and its metrics on the native-resolution
masks: nothing is resized.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ..device import autocast_context
from ..tiling import network_stride, predict_tiled
from .evaluation import EvalStats, predict_probabilities, scores
from .losses import LossFn
from .setup import device_inputs

__all__ = ["evaluate_fields", "field_logits", "field_probabilities"]


def field_logits(
    model: nn.Module, image: Tensor, *, tile: int, device: torch.device, batch_size: int = 8
) -> Tensor:
    """(K, H, W) float32 logits on the CPU for one normalised (C, H, W) field, tiled at ``tile``
    px with a quarter-tile overlap."""
    model.eval()

    def logits(tiles: Tensor) -> Tensor:
        with autocast_context(device):
            return model(device_inputs(tiles, device)).float()

    return predict_tiled(
        logits,
        image[None],
        tile=tile,
        overlap=tile // 4,
        stride=network_stride(model),
        batch_size=batch_size,
    )[0]


def field_probabilities(
    model: nn.Module, image: Tensor, *, tile: int, device: torch.device, batch_size: int = 8
) -> Tensor:
    """(K, H, W) probabilities of one normalised (C, H, W) field exactly as prediction computes
    them (``infer.predict_volume`` on a large field): tile probabilities blended, clamped."""
    return predict_tiled(
        lambda tiles: predict_probabilities(model, tiles, device=device, batch_size=batch_size),
        image[None],
        tile=tile,
        overlap=tile // 4,
        stride=network_stride(model),
        batch_size=batch_size,
    )[0].clamp_(0.0, 1.0)


@torch.no_grad()
def evaluate_fields(
    model: nn.Module,
    images: Sequence[Tensor],
    masks: Sequence[Tensor],
    loss_fn: LossFn,
    *,
    tile: int,
    device: torch.device,
    batch_size: int = 8,
    threshold: float = 0.5,
) -> EvalStats:
    """Like ``evaluate``, over whole (C, H, W) fields of any sizes: the loss is the mean over
    fields, the metrics pool every native pixel of every field at ``threshold``."""
    counts = torch.zeros(3, dtype=torch.float64)  # tp, fp, fn
    loss_sum = 0.0
    for image, mask in zip(images, masks, strict=True):
        logits = field_logits(model, image, tile=tile, device=device, batch_size=batch_size)
        truth = mask.float().cpu()
        loss_sum += float(loss_fn(logits[None], truth[None]))
        pred = torch.sigmoid(logits) > threshold
        positive = truth > 0.5
        counts += torch.tensor(
            [(pred & positive).sum(), (pred & ~positive).sum(), (~pred & positive).sum()],
            dtype=torch.float64,
        )
    tp, fp, fn = counts.tolist()
    loss = loss_sum / len(images) if len(images) else math.nan
    return EvalStats(loss=loss, **scores(tp, fp, fn))
