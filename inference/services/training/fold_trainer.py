"""The epoch loop of one fold: batches with progress, a cancel and ownership check per batch (one
indexed query), validation (``fold_validation``), a checkpoint and an epoch log after every epoch. A fold of an
in-silico-labelling job (``config["task"] == "isl"``) reads label-free/stain pairs, trains with
the L1 loss and validates by the stain's PCC (``inference.services.isl.fold``)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import torch
from django.db import transaction
from django.db.models import Avg

from cellweb.jobs import JobCancelled, JobContext
from inference.ml import engine, isl
from inference.ml.augment import epoch_indices
from inference.ml.crops import NativeCropSampler
from inference.ml.data import iterate_batches
from inference.ml.metrics import finite_or_none
from inference.ml.nets import create_model
from inference.models import EpochLog, FoldRun, TrainingJob
from inference.services.isl.fold import isl_fold_tensors
from inference.services.model_exchange.parent import fine_tune_parent_load
from inference.services.training.config import TrainingConfig
from inference.services.training.fold_data import fold_entries, fold_native_sections, fold_tensors
from inference.services.training.fold_validation import epoch_validation, validation_text
from inference.services.training.heads import head_loss, head_network
from inference.services.training.recovery import (
    checkpoint_path,
    checkpoint_resume,
    checkpoint_save,
)

EPOCH_LOG_FIELDS = ("train_loss", "val_loss", "val_dice", "val_metrics", "seconds")


@dataclass
class TrainedFold:
    """The trained network and its held-out sections: one (N, 1, S, S) tensor each when the
    sections were resized to the input, lists of native (1, H, W) fields with native crops."""

    model: torch.nn.Module
    val_x: torch.Tensor | list[torch.Tensor] | None
    val_y: torch.Tensor | list[torch.Tensor] | None
    tile: int | None = None  # with native crops: the tile size the fields are predicted with


class FoldTrainer:
    def __init__(self, fold: FoldRun, ctx: JobContext, device: torch.device):
        self.fold = fold
        self.ctx = ctx
        self.device = device
        self.config = TrainingConfig.from_dict(fold.job.config)
        self.attempt_batches = 0
        self.attempt_batch_seconds = 0.0
        self.batch_started = 0.0
        self.eval_seconds = 0.0
        self.n_batches = 0
        self.isl = self.config.task == "isl"

    def should_stop(self) -> bool:
        self.batch_started = time.perf_counter()
        return self.ctx.stop_requested()

    # -- progress

    def _eta(self, epoch_done: int, batch_done: int) -> float | None:
        if not self.attempt_batches:
            return None
        per_batch = self.attempt_batch_seconds / self.attempt_batches
        remaining_epochs = self.fold.epochs - epoch_done
        remaining_batches = remaining_epochs * self.n_batches - batch_done
        return max(0.0, remaining_batches * per_batch + remaining_epochs * self.eval_seconds)

    def on_batch(self, done: int, total: int, loss: float) -> None:
        self.attempt_batches += 1
        self.attempt_batch_seconds += time.perf_counter() - self.batch_started
        fold = self.fold
        fold.batch, fold.batches = done, total
        fold.eta_s = self._eta(fold.epoch, done)
        # The last batch of an epoch is always reported; the others a few times a second.
        self.ctx.progress(
            min(1.0, (fold.epoch + done / max(total, 1)) / max(fold.epochs, 1)),
            fields=("batch", "batches", "eta_s"),
            force=done == total,
            epoch=fold.epoch + 1,
            epochs=fold.epochs,
            batch=done,
            batches=total,
            eta_s=finite_or_none(fold.eta_s),
            loss=finite_or_none(loss),
        )

    # -- the loop

    def _read_tensors(self) -> tuple[Any, ...]:
        cfg, fold = self.config, self.fold
        if self.isl:  # the stain is the target (paper 004): pairs, not ground truth
            return isl_fold_tensors(fold, input_size=cfg.input_size)
        return fold_tensors(fold, cfg)

    def _native(self) -> tuple[Any, ...]:
        """A crop sampler over the native training fields, and the native validation fields."""
        cfg, fold = self.config, self.fold
        train_entries, val_entries = fold_entries(fold)

        with self.ctx.keepalive():
            images, masks = fold_native_sections(fold, cfg, train_entries)
            sampler = NativeCropSampler(
                images, masks, size=cfg.input_size, foreground_fraction=cfg.crop_foreground
            )
            val_x, val_y = (
                fold_native_sections(fold, cfg, val_entries) if val_entries else (None, None)
            )
        self.ctx.report(
            f"{fold.label}: {len(train_entries)} training and {len(val_entries)} validation "
            f"sections, {len(sampler)} native {cfg.input_size} px crops per epoch"
        )
        self.ctx.save()
        return sampler, None, val_x, val_y

    def _epoch_crops(self, sampler: NativeCropSampler, generator) -> tuple[Any, Any]:
        x, y, _ = sampler.sample(generator)
        if self.device.type == "cuda":
            x, y = x.to(self.device), y.to(self.device)
        return x, y

    def _tensors(self) -> tuple[Any, ...]:
        fold, device = self.fold, self.device
        if self.config.native_crops and not self.isl:
            return self._native()
        with self.ctx.keepalive():  # reading every section of a large set reports no progress
            train_x, train_y, val_x, val_y = self._read_tensors()
        self.ctx.report(
            f"{fold.label}: {train_x.shape[0]} training and "
            f"{0 if val_x is None else val_x.shape[0]} validation sections"
        )
        self.ctx.save()
        if device.type == "cuda":  # the whole set lives on the GPU; augmentation runs there
            train_x, train_y = train_x.to(device), train_y.to(device)
            if val_x is not None:
                val_x, val_y = val_x.to(device), val_y.to(device)
        return train_x, train_y, val_x, val_y

    def run(self) -> TrainedFold:
        cfg, fold, device = self.config, self.fold, self.device
        train_x, train_y, val_x, val_y = self._tensors()
        generator = engine.seed_everything(cfg.seed * 1009 + fold.index)
        sampler = train_x if isinstance(train_x, NativeCropSampler) else None
        # As many input channels as the sections have (the project's label-free channels).
        in_channels = (sampler.images[0] if sampler is not None else train_x).shape[-3]
        if cfg.heads:  # several classes or an instance output (services/training/heads.py)
            network = head_network(cfg, in_channels)
        else:
            network = create_model(cfg.arch, in_channels=in_channels)
            if cfg.from_version is not None:  # fine-tuning starts from the parent's weights
                fine_tune_parent_load(network, cfg.from_version)
        model = engine.prepare_model(network, device)
        optimizer = engine.make_optimizer(model, lr=cfg.lr, betas=tuple(cfg.betas))
        loss_fn = isl.l1_loss if self.isl else head_loss(cfg)
        augment = cfg.augment()
        start_epoch, history = checkpoint_resume(
            fold, model=model, optimizer=optimizer, generator=generator, device=device
        )
        if start_epoch:
            self.ctx.report(f"{fold.label}: resumed from the checkpoint after epoch {start_epoch}")
        fold.checkpoint = str(checkpoint_path(fold))
        fold.epoch = start_epoch

        for epoch in range(start_epoch, fold.epochs):
            if sampler is not None:  # a fresh, seeded draw of crops every epoch
                train_x, train_y = self._epoch_crops(sampler, generator)
            indices, flags = epoch_indices(train_x.shape[0], augment, generator)
            self.n_batches = math.ceil(indices.numel() / cfg.batch_size)
            fold.batch, fold.batches = 0, self.n_batches
            batches = iterate_batches(
                train_x,
                train_y,
                indices,
                flags,
                cfg.batch_size,
                augment if augment.enabled else None,
                generator,
            )
            started = time.perf_counter()
            try:
                stats = engine.train_one_epoch(
                    model,
                    batches,
                    optimizer,
                    loss_fn,
                    device=device,
                    epoch=epoch + 1,
                    n_batches=self.n_batches,
                    on_batch=self.on_batch,
                    should_stop=self.should_stop,
                )
            except engine.TrainingCancelled as exc:
                raise JobCancelled() from exc
            self.ctx.check()
            eval_started = time.perf_counter()
            # Whole native fields on a CPU can take minutes and report no progress: without a
            # heartbeat the sweeper takes the fold away in the middle of its validation.
            with self.ctx.keepalive():
                val = epoch_validation(model, val_x, val_y, loss_fn, cfg, device)
            self.eval_seconds = time.perf_counter() - eval_started
            entry = {
                "epoch": epoch + 1,
                "train_loss": finite_or_none(stats.loss),
                **val,
                "seconds": time.perf_counter() - started,
            }
            history.append(entry)
            checkpoint_save(
                fold,
                self.ctx,
                model=model,
                optimizer=optimizer,
                generator=generator,
                history=history,
            )
            self._end_epoch(entry)
            val_text = "" if val_x is None else validation_text(entry)
            self.ctx.report(
                f"{fold.label}: epoch {epoch + 1}/{fold.epochs}, train loss {entry['train_loss']:.4f}{val_text}"
            )
        self.ctx.stop_requested()  # still ours (a cancel now no longer loses the fold's work)
        return TrainedFold(
            model=model,
            val_x=val_x,
            val_y=val_y,
            tile=cfg.input_size if sampler is not None else None,
        )

    def _end_epoch(self, entry: dict[str, Any]) -> None:
        fold = self.fold
        with transaction.atomic():
            self.ctx.stop_requested()  # raises when another run owns the fold now
            EpochLog.objects.update_or_create(
                fold=fold,
                epoch=entry["epoch"],
                defaults={k: entry[k] for k in EPOCH_LOG_FIELDS},
            )
            fold.epoch = entry["epoch"]
            fold.batch = fold.batches
            fold.progress = fold.epoch / max(fold.epochs, 1)
            fold.eta_s = self._eta(fold.epoch, 0)
            fold.message = f"epoch {fold.epoch} of {fold.epochs}"
            self.ctx.save("epoch", "batch", "batches", "progress", "eta_s", "checkpoint", "message")
            progress = (
                FoldRun.objects.filter(job_id=fold.job_id).aggregate(p=Avg("progress"))["p"] or 0.0
            )
            TrainingJob.objects.filter(pk=fold.job_id).update(
                progress=progress, heartbeat_at=fold.heartbeat_at
            )
            self.ctx.emit(
                {
                    "type": "epoch",
                    "epoch": entry["epoch"],
                    "epochs": fold.epochs,
                    "train_loss": entry["train_loss"],
                    "val_loss": entry["val_loss"],
                    "val_dice": entry["val_dice"],
                    "val_pcc": entry["val_metrics"].get("pcc"),
                    "val_per_class_dice": entry["val_metrics"].get("per_class_dice"),
                }
            )
