"""A fold of a job with several classes or an instance head (docs/training.md, "Classes and
instances"): its targets, network, loss, validation and held-out metrics.

The binary path (one target class, sigmoid, ``engine.make_loss``) is untouched; a job takes this
path when its configuration names classes or an instance output (``TrainingConfig.heads``), or
asks for foreground normalisation (then with the binary network and loss as before).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from inference.datasets_heads import head_native_sections, head_tensors
from inference.ml import engine
from inference.ml.data import iterate_batches
from inference.ml.heads import HeadLayout, attach_heads, create_model_with_heads
from inference.ml.isl import pretrained_body
from inference.ml.losses import HeadLoss
from inference.ml.metrics import finite_or_none
from inference.ml.nets import create_model
from inference.models import FoldRun, ModelVersion
from inference.output_classes import OutputClasses, job_output_classes, version_outputs
from inference.services.model_exchange.parent import (
    fine_tune_parent_load,
    fine_tune_parent_weights,
)
from inference.services.training.config import TrainingConfig

__all__ = [
    "head_fold_outputs",
    "head_fold_tensors",
    "head_held_out_metrics",
    "head_loss",
    "head_network",
    "head_validate",
]

AGGREGATION = "mean over classes of each class's pixels pooled over the held-out sections"


def head_fold_outputs(fold: FoldRun, cfg: TrainingConfig) -> OutputClasses:
    return job_output_classes(fold.job.project, cfg)


def head_fold_tensors(fold: FoldRun, cfg: TrainingConfig, entries, *, native: bool):
    """Training or validation tensors of ``entries`` (a list of native fields with ``native``)."""
    outputs = head_fold_outputs(fold, cfg)
    if native:
        return head_native_sections(entries, outputs, foreground=cfg.foreground_normalise)
    return head_tensors(
        entries, outputs, input_size=cfg.input_size, foreground=cfg.foreground_normalise
    )


def _parent_layout(version_id: int) -> HeadLayout | None:
    config = ModelVersion.objects.filter(pk=version_id).values_list("config", flat=True).first()
    recorded = version_outputs(config or {})
    return recorded[0] if recorded else None


def head_network(cfg: TrainingConfig, in_channels: int = 1) -> nn.Module:
    """The fold's network: the registry network with the job's outputs, started from the
    parent's weights when fine-tuning. A parent with the same outputs gives every weight; a
    binary parent its body and, for a binary class output, its class convolution; a parent with
    other outputs its body only (the new outputs start fresh)."""
    layout = cfg.layout()
    if cfg.from_version is None:
        return create_model_with_heads(cfg.arch, layout, in_channels=in_channels)
    parent = _parent_layout(cfg.from_version)
    if parent is None:
        network = create_model(cfg.arch, in_channels=in_channels)
        fine_tune_parent_load(network, cfg.from_version)
        return attach_heads(network, layout)
    network = create_model_with_heads(cfg.arch, layout, in_channels=in_channels)
    state = fine_tune_parent_weights(cfg.from_version)
    if parent == layout:
        network.load_state_dict(state)
    else:
        network.load_state_dict(pretrained_body(state), strict=False)
    return network


def head_loss(cfg: TrainingConfig):
    """HeadLoss of the job's outputs, or the binary loss when the network has no heads."""
    if not cfg.heads:
        return engine.make_loss(cfg.loss)
    return HeadLoss(cfg.layout(), class_weights=cfg.class_weights or None, alpha=cfg.instance_alpha)


def _log_fields(stats) -> dict[str, Any]:
    metrics = {k: finite_or_none(getattr(stats, k)) for k in engine.head_evaluation.SCORE_NAMES}
    metrics["per_class_dice"] = [finite_or_none(c["dice"]) for c in stats.per_class]
    return {
        "val_loss": finite_or_none(stats.loss),
        "val_dice": finite_or_none(stats.dice),
        "val_metrics": metrics,
    }


def _stats(model, val_x, val_y, loss_fn, cfg: TrainingConfig, device):
    layout = cfg.layout() if cfg.heads else HeadLayout()
    if isinstance(val_x, list):
        return engine.evaluate_head_fields(
            model,
            val_x,
            val_y,
            loss_fn,
            layout,
            tile=cfg.input_size,
            device=device,
            batch_size=cfg.batch_size,
        )
    batches = iterate_batches(val_x, val_y, torch.arange(val_x.shape[0]), None, cfg.batch_size)
    return engine.evaluate_heads(model, batches, loss_fn, layout, device=device)


def head_validate(model, val_x, val_y, loss_fn, cfg: TrainingConfig, device) -> dict[str, Any]:
    """An epoch log's validation fields: the loss and the per-class mean metrics."""
    return _log_fields(_stats(model, val_x, val_y, loss_fn, cfg, device))


def head_held_out_metrics(trained, cfg: TrainingConfig, device, fold: FoldRun) -> dict[str, Any]:
    """The fold's held-out scores: each metric's mean over classes, and every class's own."""
    if trained.val_x is None:
        return {}
    stats = _stats(trained.model, trained.val_x, trained.val_y, head_loss(cfg), cfg, device)
    names = [c["name"] for c in head_fold_outputs(fold, cfg).classes]
    return {
        **{k: finite_or_none(getattr(stats, k)) for k in engine.head_evaluation.SCORE_NAMES},
        "auc_pr": None,
        "per_class": {
            name: {k: finite_or_none(v) for k, v in scores.items()}
            for name, scores in zip(names, stats.per_class, strict=True)
        },
        # The classes in value order: a JSON object stored in Postgres (jsonb) keeps its keys in
        # its own order (shorter names first), not ours.
        "class_order": names,
        "aggregation": AGGREGATION,
        "sections": len(trained.val_x),
        "threshold": 0.5,
    }
