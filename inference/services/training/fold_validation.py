"""The validation of one epoch: an epoch log's validation fields and their line in the job log.

Binary networks are scored by loss, Dice and the ``VAL_METRICS`` (whole native fields tiled as at
prediction, or resized sections in batches); several classes or an instance output by
``heads.head_validate``; in-silico labelling by the stain's PCC (``isl.fold.isl_validate``).
"""

from __future__ import annotations

from typing import Any

import torch

from inference.ml import engine
from inference.ml.data import iterate_batches
from inference.ml.metrics import MASK_METRIC_KEYS, finite_or_none
from inference.services.isl.fold import isl_validate
from inference.services.training.config import TrainingConfig
from inference.services.training.heads import head_validate

VAL_METRICS = MASK_METRIC_KEYS


def epoch_validation(
    model, val_x, val_y, loss_fn, config: TrainingConfig, device: torch.device
) -> dict[str, Any]:
    """An epoch log's validation fields (loss and Dice; PCC for in-silico labelling)."""
    if val_x is None:
        return {"val_loss": None, "val_dice": None, "val_metrics": {}}
    batch_size = config.batch_size
    if config.task == "isl":
        return isl_validate(model, val_x, val_y, batch_size=batch_size, device=device)
    if config.heads:
        return head_validate(model, val_x, val_y, loss_fn, config, device)
    if isinstance(val_x, list):  # whole native fields, tiled as at prediction
        val = engine.evaluate_fields(
            model,
            val_x,
            val_y,
            loss_fn,
            tile=config.input_size,
            device=device,
            batch_size=batch_size,
        )
    else:
        val = engine.evaluate(
            model,
            iterate_batches(val_x, val_y, torch.arange(val_x.shape[0]), None, batch_size),
            loss_fn,
            device=device,
        )
    return {
        "val_loss": finite_or_none(val.loss),
        "val_dice": finite_or_none(val.dice),
        "val_metrics": {k: finite_or_none(getattr(val, k)) for k in VAL_METRICS},
    }


def validation_text(entry: dict[str, Any]) -> str:
    """The validation part of an epoch's line in the job log."""

    def fmt(value: float | None) -> str:
        return "—" if value is None else f"{value:.4f}"

    if "pcc" in entry["val_metrics"]:  # in-silico labelling
        return f", val loss {fmt(entry['val_loss'])}, val PCC {fmt(entry['val_metrics']['pcc'])}"
    return f", val loss {fmt(entry['val_loss'])}, val Dice {fmt(entry['val_dice'])}"
