"""One fold of an in-silico-labelling job: its (label-free, stain) tensors, the validation PCC of
each epoch, and the held-out scores stored with its model version."""

from __future__ import annotations

import math
from typing import Any

import torch

from annotations.models import Section
from annotations.services.volumes import section_array, section_pixels
from inference.ml import isl
from inference.ml.data import iterate_batches
from inference.ml.metrics import aggregate, finite_or_none
from inference.models import FoldRun
from inference.services.isl.sections import StainPair, pairs_for_sections


def _tensors(pairs: list[StainPair], input_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    sections = Section.objects.select_related("volume").in_bulk(
        [p.section_id for p in pairs] + [p.fluorescence_id for p in pairs]
    )
    channels = sections[pairs[0].section_id].volume.n_channels if pairs else 1
    x = torch.empty((len(pairs), channels, input_size, input_size), dtype=torch.float32)
    y = torch.empty((len(pairs), 1, input_size, input_size), dtype=torch.float32)
    for i, pair in enumerate(pairs):
        image = section_pixels(sections[pair.section_id])
        stain = section_array(sections[pair.fluorescence_id])
        x[i : i + 1], y[i : i + 1] = isl.prepare_pairs(
            [image], [stain], input_size=input_size, modality=pair.modality
        )
    return x, y


def isl_fold_tensors(fold: FoldRun, *, input_size: int) -> tuple[torch.Tensor | None, ...]:
    """(train_x, train_y, val_x, val_y) of the fold's pinned pairs; val None for a final fold."""
    pairs = pairs_for_sections(fold.job.config.get("pairs") or [])
    train_ids = {s["id"] for s in fold.train_specimens}
    val_ids = {s["id"] for s in fold.val_specimens}
    train = [p for p in pairs if p.specimen_id in train_ids]
    val = [p for p in pairs if p.specimen_id in val_ids]
    train_x, train_y = _tensors(train, input_size)
    val_x, val_y = _tensors(val, input_size) if val else (None, None)
    return train_x, train_y, val_x, val_y


def isl_validate(model, val_x, val_y, *, batch_size: int, device) -> dict[str, Any]:
    """An epoch log's validation fields: the L1 loss and the mean per-section PCC."""
    stats = isl.evaluate_stain(
        model,
        iterate_batches(val_x, val_y, torch.arange(val_x.shape[0]), None, batch_size),
        device=device,
    )
    return {
        "val_loss": finite_or_none(stats.loss),
        "val_dice": None,
        "val_metrics": {"pcc": finite_or_none(stats.pcc)},
    }


def isl_held_out_metrics(model, val_x, val_y, *, batch_size: int, device) -> dict[str, Any]:
    """The fold's PCC on its held-out specimens: the mean over sections, each section's, and
    the L1 loss."""
    if val_x is None:
        return {}
    stats = isl.evaluate_stain(
        model,
        iterate_batches(val_x, val_y, torch.arange(val_x.shape[0]), None, batch_size),
        device=device,
    )
    mean, std = aggregate([s for s in stats.per_section if math.isfinite(s)])
    return {
        "pcc": finite_or_none(mean),
        "pcc_std": finite_or_none(std),
        "pcc_sections": [finite_or_none(s) for s in stats.per_section],
        "l1": finite_or_none(stats.loss),
        "sections": len(stats.per_section),
    }
