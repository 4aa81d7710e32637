"""What a fold trains and validates on: its snapshot entries split by specimen, read as tensors
resized to the input or as native fields; binary masks of the target class, or the targets of
several classes and an instance output (``heads``)."""

from __future__ import annotations

from typing import Any

from inference.class_target import class_target
from inference.datasets import SnapshotEntry, native_sections, snapshot_entries, training_tensors
from inference.models import FoldRun
from inference.services.training.config import TrainingConfig
from inference.services.training.heads import head_fold_tensors

__all__ = ["fold_entries", "fold_native_sections", "fold_tensors"]


def fold_entries(fold: FoldRun) -> tuple[list[SnapshotEntry], list[SnapshotEntry]]:
    entries = snapshot_entries(fold.job.snapshot)
    train_ids = {s["id"] for s in fold.train_specimens}
    val_ids = {s["id"] for s in fold.val_specimens}
    return [e for e in entries if e.specimen_id in train_ids], [
        e for e in entries if e.specimen_id in val_ids
    ]


def _read(fold: FoldRun, cfg: TrainingConfig, entries, *, native: bool):
    if cfg.head_data:  # several classes, an instance output or foreground normalisation
        return head_fold_tensors(fold, cfg, entries, native=native)
    # The value recorded at launch (jobs launched before label sets: the nucleus class).
    target = class_target(fold.job.project, value=cfg.target_value)
    if native:
        return native_sections(entries, target)
    return training_tensors(entries, input_size=cfg.input_size, target=target)


def fold_tensors(fold: FoldRun, cfg: TrainingConfig) -> tuple[Any, Any, Any, Any]:
    """(train_x, train_y, val_x, val_y) resized to the input; val None without held-out data."""
    train_entries, val_entries = fold_entries(fold)
    train = _read(fold, cfg, train_entries, native=False)
    val = _read(fold, cfg, val_entries, native=False) if val_entries else (None, None)
    return *train, *val


def fold_native_sections(fold: FoldRun, cfg: TrainingConfig, entries) -> tuple[list, list]:
    """Native (C, H, W) images and targets of ``entries``."""
    return _read(fold, cfg, entries, native=True)
