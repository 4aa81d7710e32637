"""A learning curve as a job of the kind "learning_curve" (``inference/job_kinds.py``).

The held-out and pool sections are read once; each point draws its n sections from the pool
(``inference.ml.learning_curve.draw_sections``), trains a fresh network (or the start version's
weights) for the job's fixed budget of training samples, and scores it on the held-out sections:
Dice pools every held-out pixel at threshold 0.5 (as a fold's held-out Dice does) and mAP is the
mean over held-out sections of paper 004's mean average precision over IoU 0.50:0.05:0.95. Nuclei
are numbered as an evaluation numbers them: true nuclei by ``instances.py``, predicted nuclei by
``evaluation.labels.component_labels``, touching ones separated by the ground truth's watershed
with the curve's ``split_touching``. Every finished point is saved on the row at once, so the
page shows it live.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import torch

from cellweb.jobs import JobCancelled, JobContext
from inference.datasets import snapshot_entries, training_tensors
from inference.ml import engine
from inference.ml.augment import AugmentConfig, epoch_indices
from inference.ml.data import iterate_batches
from inference.ml.learning_curve import draw_sections
from inference.ml.metrics import batch_section_metrics, finite_or_none, paper_scores
from inference.ml.nets import create_model
from inference.ml.objects import mean_average_precision
from inference.models import LearningCurve
from inference.services.learning_curve.config import LearningCurveConfig
from inference.services.learning_curve.instances import (
    MAP_SCORED_AT,
    NATIVE,
    held_out_truths,
    predicted_nuclei,
)
from inference.services.learning_curve.plan import PRETRAINED
from inference.services.learning_curve.summary import curve_summary
from inference.services.model_exchange.parent import fine_tune_parent_load

THRESHOLD = 0.5
# Flips and enlarge-and-crop, not elastic deformation: cheap on a CPU worker too.
AUGMENT = AugmentConfig(elastic=False, flips=True, enlarge_crop=True, fraction=0.3)


def held_out_scores(
    model,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    device,
    batch_size: int,
    truths: Iterable[np.ndarray],
    split_touching: bool = False,
):
    """Pooled Dice (at the input size) and mean per-section mAP (at native resolution) of
    ``model`` on the held-out sections ``x``, ``y``; ``truths``: per section, its true nuclei on
    its native grid (``instances.held_out_truths``, read as they are scored: each is dropped
    once its section's mAP is computed)."""
    probs = engine.predict_probabilities(model, x, device=device, batch_size=batch_size)[:, 0]
    probs_np = probs.numpy()
    truth = y[:, 0].to("cpu").numpy() > 0.5
    per_section = batch_section_metrics(probs_np, truth, threshold=THRESHOLD)
    tp, fp, fn = (sum(s[k] for s in per_section) for k in ("tp", "fp", "fn"))
    maps = [
        mean_average_precision(
            predicted_nuclei(p, ids.shape, threshold=THRESHOLD, split_touching=split_touching),
            ids,
        )
        for p, ids in zip(probs_np, truths, strict=True)
    ]
    return {
        "dice": finite_or_none(paper_scores(tp, fp, fn)["dice"]),
        "map": finite_or_none(float(np.mean(maps))) if maps else None,
    }


class CurveRunner:
    def __init__(self, curve: LearningCurve, ctx: JobContext, device: torch.device):
        self.curve = curve
        self.ctx = ctx
        self.device = device
        self.cfg = LearningCurveConfig.from_dict(curve.config)
        self.done = 0
        self.held: list = []  # the held-out entries: their truths are read when scored

    def _tensors(self):
        held_ids = {h["id"] for h in self.curve.held_out}
        entries = snapshot_entries(self.curve.snapshot)
        pool = [e for e in entries if e.specimen_id not in held_ids]
        held = [e for e in entries if e.specimen_id in held_ids]
        with self.ctx.keepalive():  # reading every section reports no progress
            pool_x, pool_y = training_tensors(pool, input_size=self.cfg.input_size)
            val_x, val_y = training_tensors(held, input_size=self.cfg.input_size)
        self.held = held
        if self.device.type == "cuda":
            pool_x, pool_y = pool_x.to(self.device), pool_y.to(self.device)
            val_x, val_y = val_x.to(self.device), val_y.to(self.device)
        return [e.specimen_id for e in pool], pool_x, pool_y, val_x, val_y

    def _label(self, start: str, n: int, seed: int) -> str:
        return f"{'pretrained' if start == PRETRAINED else 'from scratch'}, n = {n}, seed {seed}"

    def _train(self, x, y, *, start: str, n: int, seed: int):
        cfg = self.cfg
        generator = engine.seed_everything(seed * 1009 + n)
        network = create_model(cfg.arch, in_channels=x.shape[1])  # the sections' channels
        if start == PRETRAINED:  # an in-silico-labelling parent keeps this network's fresh head
            fine_tune_parent_load(network, cfg.start_version)
        model = engine.prepare_model(network, self.device)
        optimizer = engine.make_optimizer(model, lr=cfg.lr, betas=tuple(cfg.betas))
        loss_fn = engine.make_loss(cfg.loss)
        seen, epoch = 0, 0
        label = f"training {self._label(start, n, seed)}"

        def on_batch(done: int, total: int, loss: float) -> None:
            part = min(1.0, (seen + done * cfg.batch_size) / cfg.samples)
            self.ctx.progress((self.done + part) / self.curve.total_points, message=label)

        # Passes are repeated until they fill a batch, so every point takes the same number of
        # optimiser steps of the same batch size, whatever its n (n = 1 with batch 8: 8 passes).
        passes = max(1, math.ceil(cfg.batch_size / x.shape[0]))
        while seen < cfg.samples:
            drawn = [epoch_indices(x.shape[0], AUGMENT, generator) for _ in range(passes)]
            indices = torch.cat([d[0] for d in drawn])
            flags = torch.cat([d[1] for d in drawn])
            epoch += passes
            batches = iterate_batches(x, y, indices, flags, cfg.batch_size, AUGMENT, generator)
            try:
                engine.train_one_epoch(
                    model,
                    batches,
                    optimizer,
                    loss_fn,
                    device=self.device,
                    epoch=epoch,
                    n_batches=math.ceil(indices.numel() / cfg.batch_size),
                    on_batch=on_batch,
                    should_stop=self.ctx.stop_requested,
                )
            except engine.TrainingCancelled as exc:
                raise JobCancelled() from exc
            seen += int(indices.numel())
        return model, epoch

    def run(self) -> dict[str, Any]:
        cfg, curve = self.cfg, self.curve
        groups, pool_x, pool_y, val_x, val_y = self._tensors()
        starts = curve.config.get("starts") or ["scratch"]
        if curve.config.get(MAP_SCORED_AT) != NATIVE:  # queued before launches recorded it
            curve.config = {**curve.config, MAP_SCORED_AT: NATIVE}
            self.ctx.save("config")
        curve.points = []
        for n in cfg.sizes:
            for seed in range(cfg.seeds):
                drawn = draw_sections(groups, n, seed=seed)
                index = torch.as_tensor(drawn, device=pool_x.device)
                x, y = pool_x[index], pool_y[index]
                for start in starts:
                    model, epochs = self._train(x, y, start=start, n=n, seed=seed)
                    scores = held_out_scores(
                        model,
                        val_x,
                        val_y,
                        device=self.device,
                        batch_size=cfg.batch_size,
                        truths=held_out_truths(self.held, source=cfg.gt_source),
                        split_touching=cfg.split_touching,
                    )
                    point = {
                        "start": start,
                        "n": n,
                        "seed": seed,
                        "epochs": epochs,
                        "specimens": len({groups[i] for i in drawn}),
                        "drawn_specimens": sorted({groups[i] for i in drawn}),
                        **scores,
                    }
                    curve.points = [*curve.points, point]
                    self.ctx.save("points")  # kept even when a cancel arrives right now
                    self.done += 1
                    self.ctx.progress(
                        self.done / curve.total_points,
                        message=f"scored {self._label(start, n, seed)}",
                        force=True,
                        point=point,
                        done=self.done,
                        total=curve.total_points,
                    )
        return {"summary": curve_summary(curve.points)}


def learning_curve_work(curve: LearningCurve, ctx: JobContext) -> dict[str, Any]:
    device = ctx.options.get("torch_device") or torch.device("cpu")
    return CurveRunner(curve, ctx, device).run()
