"""Losses for several classes and for nucleus instances (the binary losses live in ``engine``).

- :func:`multiclass_loss`: cross-entropy plus soft Dice per class, with optional class weights,
  for a softmax output (class value k = channel k, background included).
- :func:`combined_instance_loss`: paper 004's ``CombinedLoss_α = MSE(y_d) + α·BCE(y_s)``, the
  distance channel regressed with MSE and the semantic (class) output weighted by α. With
  several classes the class term is :func:`multiclass_loss`; with an interior/boundary channel
  the instance term is BCE on the boundary.
- :class:`HeadLoss`: the loss of a :class:`~inference.ml.heads.HeadLayout` as the ``loss_fn(output,
  target)`` that ``engine.train_one_epoch`` calls; :func:`pack_targets` builds its targets.

Paper 004 chose α = 2000, "the initial ratio between MSELoss and BCEWithLogitsLoss", for its
distance maps. The distance targets here are normalised to 1 at each nucleus's centre
(``instances.distance_target``), which puts both terms on the same scale: α = 1 is the
equivalent choice, and the default.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .heads import HeadLayout

__all__ = ["HeadLoss", "combined_instance_loss", "multiclass_loss", "pack_targets"]


def _class_weights(weights: Sequence[float] | Tensor | None, n_classes: int, like: Tensor):
    if weights is None:
        return None
    tensor = torch.as_tensor(weights, dtype=torch.float32, device=like.device)
    if tensor.shape != (n_classes,) or bool((tensor < 0).any()) or float(tensor.sum()) <= 0:
        raise ValueError(
            f"class weights must be {n_classes} non-negative numbers (one per class, background "
            f"first) that are not all 0; got {tensor.tolist()}"
        )
    return tensor


def multiclass_loss(
    logits: Tensor,
    target: Tensor,
    *,
    class_weights: Sequence[float] | Tensor | None = None,
    dice_weight: float = 1.0,
    smooth: float = 1.0,
) -> Tensor:
    """Cross-entropy + ``dice_weight`` × (1 − mean soft Dice over classes).

    ``logits`` (B, C, H, W); ``target`` (B, H, W) class indices 0..C-1. Each class's Dice is
    pooled over the batch, so a class absent from a section does not give 0/0; ``smooth`` keeps
    a class absent from the whole batch (and not predicted) near Dice 1. ``class_weights``
    (one per class, background first) weight both the cross-entropy and the Dice mean, so a
    rare class (nucleolus, lipid droplet) can count as much as a large one.
    """
    logits = logits.float()
    n_classes = logits.shape[1]
    target = target.long()
    weights = _class_weights(class_weights, n_classes, logits)
    cross_entropy = F.cross_entropy(logits, target, weight=weights)
    probabilities = torch.softmax(logits, dim=1)
    one_hot = F.one_hot(target, n_classes).permute(0, 3, 1, 2).to(probabilities.dtype)
    dims = (0, 2, 3)
    overlap = (probabilities * one_hot).sum(dims)
    dice = (2 * overlap + smooth) / (probabilities.sum(dims) + one_hot.sum(dims) + smooth)
    if weights is None:
        dice_loss = 1.0 - dice.mean()
    else:
        dice_loss = 1.0 - (dice * weights).sum() / weights.sum()
    return cross_entropy + dice_weight * dice_loss


def combined_instance_loss(
    instance_output: Tensor,
    instance_target: Tensor,
    class_loss: Tensor,
    *,
    kind: str = "distance",
    alpha: float = 1.0,
) -> Tensor:
    """``MSE(distance) + alpha × class_loss`` (paper 004), or BCE on a boundary channel."""
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    instance_output, instance_target = instance_output.float(), instance_target.float()
    if kind == "distance":
        instance_term = F.mse_loss(instance_output, instance_target)
    elif kind == "boundary":
        instance_term = F.binary_cross_entropy_with_logits(instance_output, instance_target)
    else:
        raise ValueError(f"unknown instance output {kind!r}; use 'distance' or 'boundary'")
    return instance_term + alpha * class_loss


class HeadLoss:
    """The training loss of a :class:`HeadLayout`, as ``loss_fn(output, target)``.

    ``target`` is what :func:`pack_targets` builds: channel 0 the class value per pixel,
    channel 1 (with an instance output) the distance or boundary target. A binary layout uses
    BCE for the class term (paper 004's semantic loss), a multi-class one :func:`multiclass_loss`.
    """

    def __init__(
        self,
        layout: HeadLayout,
        *,
        class_weights: Sequence[float] | None = None,
        dice_weight: float = 1.0,
        alpha: float = 1.0,
    ) -> None:
        if class_weights is not None and layout.n_classes == 1:
            raise ValueError("class weights need a multi-class layout (n_classes >= 2)")
        self.layout = layout
        self.class_weights = class_weights
        self.dice_weight = dice_weight
        self.alpha = alpha

    def __call__(self, output: Tensor, target: Tensor) -> Tensor:
        expected = 1 + (1 if self.layout.instance else 0)
        if target.ndim != 4 or target.shape[1] != expected:
            raise ValueError(
                f"expected (B, {expected}, H, W) targets from pack_targets, got {tuple(target.shape)}"
            )
        class_logits, instance_output = self.layout.split(output)
        classes = target[:, 0].round().long()
        if self.layout.n_classes == 1:
            class_loss = F.binary_cross_entropy_with_logits(
                class_logits[:, 0].float(), (classes > 0).float()
            )
        else:
            class_loss = multiclass_loss(
                class_logits,
                classes,
                class_weights=self.class_weights,
                dice_weight=self.dice_weight,
            )
        if instance_output is None:
            return class_loss
        return combined_instance_loss(
            instance_output,
            target[:, 1],
            class_loss,
            kind=str(self.layout.instance),
            alpha=self.alpha,
        )


def pack_targets(class_maps: np.ndarray | Tensor, instance_targets=None) -> Tensor:
    """Training targets (N, 1 or 2, H, W) float32 from class maps (N, H, W) and, for an
    instance output, distance or boundary targets (N, H, W)."""
    classes = torch.as_tensor(np.asarray(class_maps), dtype=torch.float32)
    if classes.ndim != 3:
        raise ValueError(f"class maps must be (N, H, W), got {tuple(classes.shape)}")
    channels = [classes]
    if instance_targets is not None:
        extra = torch.as_tensor(np.asarray(instance_targets), dtype=torch.float32)
        if extra.shape != classes.shape:
            raise ValueError(
                f"instance targets {tuple(extra.shape)} differ from class maps {tuple(classes.shape)}"
            )
        channels.append(extra)
    return torch.stack(channels, dim=1)
