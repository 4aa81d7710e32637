"""Resuming a fold from its checkpoint after a lost worker or a retry.

After every epoch the fold saves the model, the optimizer, the random generator and its history
to ``checkpoints/job-<id>/fold-<index>.pt``; the next attempt loads it, writes the epoch logs the
database missed (a worker killed between the two) and goes on from there, so no epoch is lost or
doubled. Only the run that owns the fold row replaces the checkpoint: a stalled run taken over by
a new attempt cannot overwrite the new attempt's. Checkpoints only serve an unfinished job: gathering the job removes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from django.conf import settings
from django.db import transaction

from cellweb.jobs import JobContext
from inference.ml import engine
from inference.models import EpochLog, FoldRun


def checkpoint_dir(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "checkpoints" / f"job-{job_id}"


def checkpoint_path(fold: FoldRun) -> Path:
    return checkpoint_dir(fold.job_id) / f"fold-{fold.index}.pt"


def checkpoint_save(
    fold: FoldRun,
    ctx: JobContext,
    *,
    model,
    optimizer,
    generator: torch.Generator,
    history: list[dict],
) -> None:
    """Save the fold's checkpoint if this run still owns the fold: the file is written aside and
    takes the checkpoint's place under the fold's row lock, so a stalled run whose fold a new
    attempt took over never overwrites that attempt's checkpoint (``JobSuperseded`` instead)."""

    def publish_if_owned(replace) -> None:
        with transaction.atomic():
            ctx.lock()  # JobSuperseded when another attempt owns the fold now
            replace()

    engine.save_checkpoint(
        checkpoint_path(fold),
        model=model,
        optimizer=optimizer,
        epoch=history[-1]["epoch"] if history else 0,
        history=history,
        extra={"rng": generator.get_state(), "fold_id": fold.pk},
        publish=publish_if_owned,
    )


def checkpoint_resume(
    fold: FoldRun, *, model, optimizer, generator: torch.Generator, device
) -> tuple[int, list[dict[str, Any]]]:
    """``(epochs done, their history)`` from the fold's checkpoint, ``(0, [])`` without one."""
    path = checkpoint_path(fold)
    if not path.exists():
        return 0, []
    state = engine.load_checkpoint(path, model=model, optimizer=optimizer, map_location=device)
    start_epoch = min(state["epoch"], fold.epochs)
    history = state["history"][:start_epoch]
    rng = state["extra"].get("rng")
    if rng is not None:
        generator.set_state(torch.as_tensor(rng, dtype=torch.uint8))
    _backfill(fold, history)
    return start_epoch, history


def _backfill(fold: FoldRun, history: list[dict[str, Any]]) -> None:
    """Epoch logs the checkpoint knows but the database missed (killed between the two)."""
    have = set(EpochLog.objects.filter(fold=fold).values_list("epoch", flat=True))
    missing = [
        EpochLog(
            fold=fold,
            epoch=h["epoch"],
            train_loss=h.get("train_loss"),
            val_loss=h.get("val_loss"),
            val_dice=h.get("val_dice"),
            val_metrics=h.get("val_metrics") or {},
            seconds=h.get("seconds") or 0.0,
        )
        for h in history
        if h["epoch"] not in have
    ]
    EpochLog.objects.bulk_create(missing, ignore_conflicts=True)
