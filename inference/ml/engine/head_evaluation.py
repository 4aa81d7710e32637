"""Validation of a network with several classes or an instance head (``heads.HeadLayout``).

Per output class (background excluded) the pixels of every section are pooled into confusion
counts (true positives, false positives, false negatives); each class's Dice, Jaccard, F0.5,
precision and recall come from its own counts, and the headline value of each metric is their
mean over the classes (every class counts alike, however large). A class that neither the
ground truth nor the prediction holds anywhere in the set is not scored (NaN, null in JSON) and
left out of that mean: its 0/0 would otherwise count as a perfect 1.0 and lift the mean for a
class nothing tested. Only when no class is held anywhere do the scores fall back to the 0/0
rule of one binary class (1.0: nothing to find, nothing predicted). The loss is the training loss
(``losses.HeadLoss``) on the same batches; a binary layout with an instance channel scores its
one class at ``threshold``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from ..device import autocast_context
from ..heads import HeadLayout
from ..metrics import MASK_METRIC_KEYS
from .evaluation import EvalStats, scores
from .fields import field_logits
from .losses import LossFn
from .setup import device_inputs

__all__ = ["HeadEvalStats", "class_counts", "evaluate_head_fields", "evaluate_heads", "scores"]

SCORE_NAMES = MASK_METRIC_KEYS


@dataclass
class HeadEvalStats(EvalStats):
    """``EvalStats`` whose metrics are means over classes, and each class's own (channel order,
    background excluded)."""

    per_class: list[dict[str, float]] = field(default_factory=list)


def class_counts(output: Tensor, target: Tensor, layout: HeadLayout, threshold: float = 0.5):
    """(classes, 3) float64 counts (tp, fp, fn) of each non-background class channel."""
    predicted = layout.predict_classes(output.float(), threshold)
    truth = target[:, 0].round().long()
    rows = []
    for channel in range(1, max(layout.n_classes, 2)):
        pred, true = predicted == channel, truth == channel
        rows.append(torch.stack([(pred & true).sum(), (pred & ~true).sum(), (~pred & true).sum()]))
    return torch.stack(rows).double()


def _stats(loss: float, counts: Tensor) -> HeadEvalStats:
    rows = counts.tolist()
    held = [any(row) for row in rows]
    if not any(held):
        held = [True] * len(rows)
    per_class = [
        scores(*row) if holds else dict.fromkeys(SCORE_NAMES, math.nan)
        for row, holds in zip(rows, held, strict=True)
    ]
    scored = [c for c, holds in zip(per_class, held, strict=True) if holds]
    means = {k: sum(c[k] for c in scored) / len(scored) for k in SCORE_NAMES}
    return HeadEvalStats(loss=loss, per_class=per_class, **means)


@torch.inference_mode()
def evaluate_heads(
    model: nn.Module,
    batches: Iterable[tuple[Tensor, Tensor]],
    loss_fn: LossFn,
    layout: HeadLayout,
    *,
    device: torch.device,
    threshold: float = 0.5,
) -> HeadEvalStats:
    """Loss and per-class pooled metrics over batches of (images, packed targets)."""
    model.eval()
    counts = torch.zeros((max(layout.n_classes - 1, 1), 3), dtype=torch.float64, device=device)
    loss_sum, sections = 0.0, 0
    for x, y in batches:
        x, y = device_inputs(x, device), device_inputs(y, device)
        with autocast_context(device):
            output = model(x)
        output = output.float()
        loss_sum += float(loss_fn(output, y.float())) * x.shape[0]
        counts += class_counts(output, y, layout, threshold)
        sections += x.shape[0]
    return _stats(loss_sum / sections if sections else math.nan, counts.cpu())


@torch.no_grad()
def evaluate_head_fields(
    model: nn.Module,
    images: Sequence[Tensor],
    targets: Sequence[Tensor],
    loss_fn: LossFn,
    layout: HeadLayout,
    *,
    tile: int,
    device: torch.device,
    batch_size: int = 8,
    threshold: float = 0.5,
) -> HeadEvalStats:
    """Like :func:`evaluate_heads` over whole native fields, every channel tiled and blended."""
    counts = torch.zeros((max(layout.n_classes - 1, 1), 3), dtype=torch.float64)
    loss_sum = 0.0
    for image, target in zip(images, targets, strict=True):
        output = field_logits(model, image, tile=tile, device=device, batch_size=batch_size)[None]
        target = target.float().cpu()[None]
        loss_sum += float(loss_fn(output, target))
        counts += class_counts(output, target, layout, threshold)
    return _stats(loss_sum / len(images) if len(images) else math.nan, counts)
