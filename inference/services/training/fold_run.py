"""One fold as a job of the kind "fold" (``inference/job_kinds.py``): where it runs, its work
(train, score the held-out specimens, store a model version) and foreground runs.

A fold is retried from its checkpoint up to ``settings.TRAINING_MAX_RETRIES`` times; its events
go to its training job's page, each with the fold's index. The model version and the fold's
success are written in one transaction, so a fold never ends succeeded without its weights.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from django.conf import settings

from annotations.selectors.channels import project_channel_names
from cellweb.jobs import JobContext, job_execute
from inference.ml import engine
from inference.ml.device import device_description, pick_device
from inference.ml.metrics import (
    aggregate,
    auc_pr,
    batch_section_metrics,
    finite_or_none,
    paper_scores,
)
from inference.ml.nets import model_label
from inference.models import FoldRun, ModelVersion, ModelVersionTask, TrainingJob
from inference.services.isl.fold import isl_held_out_metrics
from inference.services.model_versions import model_version_create, weights_payload
from inference.services.training.config import TrainingConfig
from inference.services.training.fold_objects import fold_objects, head_outputs
from inference.services.training.fold_trainer import FoldTrainer, TrainedFold
from inference.services.training.gather import METRIC_KEYS, THRESHOLD, training_job_gather
from inference.services.training.heads import head_fold_outputs, head_held_out_metrics
from inference.services.training.recovery import checkpoint_path

logger = logging.getLogger(__name__)

# The in-process worker of ``manage.py demo`` runs this many folds at once, in threads.
EMBEDDED_CONCURRENCY = 2


def fold_started(fold: FoldRun, ctx: JobContext) -> list[str]:
    """Under the claim's lock: the device this attempt trains on, and where it runs."""
    device = pick_device(ctx.options.get("device"))
    ctx.options["torch_device"] = device
    fold.worker = ctx.worker[:255]
    fold.device = device_description(device)[:255]
    fold.message = f"attempt {fold.attempts}" + (
        f", resuming after epoch {fold.epoch}" if fold.epoch else ""
    )
    ctx.where = f"{ctx.worker} ({fold.device})"
    return ["worker", "device", "message"]


def held_out_probabilities(trained: TrainedFold, *, device, batch_size: int) -> list[np.ndarray]:
    """The probability (h, w) of each held-out section: native fields tiled as at prediction, or
    sections resized to the input."""
    if isinstance(trained.val_x, list):  # native fields of any sizes, tiled at prediction
        return [
            engine.field_probabilities(
                trained.model, x, tile=trained.tile, device=device, batch_size=batch_size
            )[0].numpy()
            for x in trained.val_x
        ]
    probs = engine.predict_probabilities(
        trained.model, trained.val_x, device=device, batch_size=batch_size
    )
    return list(probs[:, 0].numpy())


def held_out_metrics(
    trained: TrainedFold,
    *,
    device,
    batch_size: int,
    probabilities: list[np.ndarray] | None = None,
) -> dict[str, Any]:
    """The paper's metrics on the fold's held-out sections at threshold 0.5.

    The fold's numbers pool the pixels of all its held-out sections (counts summed, AUC-PR over
    every pixel), so sections above or below the nucleus, where an empty prediction is trivially
    right, do not inflate them. Per-section means are kept alongside under ``section_mean`` (all
    held-out sections) and ``section_mean_nucleus`` (those with a nucleus): the job's summary
    aggregates those, as the evaluation report does (``summary.py``). ``probabilities``: those
    of ``held_out_probabilities`` when already computed.
    """
    if trained.val_x is None:
        return {}
    if probabilities is None:
        probabilities = held_out_probabilities(trained, device=device, batch_size=batch_size)
    truths = [y[0].cpu().numpy() > 0.5 for y in trained.val_y]
    per_section = [
        batch_section_metrics(p[None], t[None], threshold=THRESHOLD)[0]
        for p, t in zip(probabilities, truths, strict=True)
    ]
    probs = np.concatenate([p.ravel() for p in probabilities])
    truth = np.concatenate([t.ravel() for t in truths])
    tp, fp, fn = (sum(s[k] for s in per_section) for k in ("tp", "fp", "fn"))
    with_nucleus = [s for s in per_section if s["gt_pixels"] > 0]
    return {
        **paper_scores(tp, fp, fn),
        "auc_pr": finite_or_none(auc_pr(probs, truth)),
        "section_mean": {
            k: finite_or_none(aggregate([s[k] for s in per_section])[0]) for k in METRIC_KEYS
        },
        "sections": len(per_section),
        # The same means over the sections whose ground truth holds a nucleus only.
        "section_mean_nucleus": {
            k: finite_or_none(aggregate([s[k] for s in with_nucleus])[0]) for k in METRIC_KEYS
        },
        "sections_nucleus": len(with_nucleus),
        "threshold": THRESHOLD,
    }


def held_out_objects(outputs, fold: FoldRun, cfg: TrainingConfig, ctx: JobContext) -> dict:
    """``{"objects": ...}``: the nuclei scores of the held-out outputs (``fold_objects``), and
    the seconds they took in the fold's log; empty when the network outputs no instance class, or
    when scoring fails (logged: one figure never costs the fold its model and pixel scores)."""
    started = time.perf_counter()
    try:
        objects = fold_objects(outputs, fold, cfg)
    except Exception as exc:  # one figure never costs the fold its model and pixel scores
        logger.exception("fold %s: held-out nuclei could not be scored", fold.pk)
        line = f"held-out nuclei could not be scored ({type(exc).__name__}: {exc}); none shown"
        ctx.log(line)
        ctx.report(line)
        return {}
    if objects is None:
        return {}
    line = (
        f"held-out nuclei: object F1 (IoU > 0.5) {_fmt(objects['f1_iou50'])}, "
        f"mAP {_fmt(objects['map'])}, scored in {time.perf_counter() - started:.1f} s"
    )
    ctx.log(line)
    ctx.report(line)
    return {"objects": objects}


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def held_out_scores(
    trained: TrainedFold, fold: FoldRun, cfg: TrainingConfig, ctx: JobContext, device
) -> dict:
    """The fold's scores on its held-out sections: PCC for in-silico labelling, per-class scores
    for several classes or an instance output, else the paper's metrics; nuclei where a class
    holds instances."""
    isl = cfg.task == "isl"
    if isl:  # the stain's PCC on the held-out specimens
        metrics = isl_held_out_metrics(
            trained.model, trained.val_x, trained.val_y, batch_size=cfg.batch_size, device=device
        )
    elif cfg.heads:  # several classes or an instance output: per-class scores
        metrics = head_held_out_metrics(trained, cfg, device, fold)
        if trained.val_x is not None:
            metrics |= held_out_objects(head_outputs(trained, cfg, device), fold, cfg, ctx)
    else:
        probabilities = None
        if trained.val_x is not None:
            probabilities = held_out_probabilities(
                trained, device=device, batch_size=cfg.batch_size
            )
        metrics = held_out_metrics(
            trained, device=device, batch_size=cfg.batch_size, probabilities=probabilities
        )
        if probabilities is not None:
            outputs = [p[None] for p in probabilities]
            metrics |= held_out_objects(outputs, fold, cfg, ctx)
    return metrics


def fold_work(fold: FoldRun, ctx: JobContext) -> None:
    if settings.EMBEDDED_SERVICES:
        # The in-process worker runs two folds at once in threads of one process; one core each
        # beats both sharing one OpenMP pool, whose spinning threads then fight over the cores.
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // EMBEDDED_CONCURRENCY))
    device = ctx.options.get("torch_device") or pick_device(ctx.options.get("device"))
    job = fold.job
    cfg = TrainingConfig.from_dict(job.config)
    trained = FoldTrainer(fold, ctx, device).run()
    isl = cfg.task == "isl"
    with ctx.keepalive():  # scoring whole held-out fields reports no progress (minutes on a CPU)
        metrics = held_out_scores(trained, fold, cfg, ctx, device)
    weights = weights_payload(
        trained.model,
        arch=cfg.arch,
        input_size=cfg.input_size,
        channel_names=project_channel_names(job.project_id),
    )
    config = job.config | head_fold_outputs(fold, cfg).record() if cfg.heads else job.config
    version = None
    try:
        with ctx.finishing("metrics", "epoch", "message") as locked:
            kind = "final" if fold.kind == "final" else "fold"
            name = f"{model_label(cfg.arch)}{' ISL' if isl else ''} · job {job.pk} · " + (
                "final (all data)" if kind == "final" else f"fold {fold.index + 1}/{cfg.folds}"
            )
            version = model_version_create(
                project=job.project,
                name=name,
                arch=cfg.arch,
                weights=weights,
                kind=kind,
                job=job,
                fold=locked,
                config=config,
                snapshot=job.snapshot,
                train_specimens=locked.train_specimens,
                val_specimens=locked.val_specimens,
                code_version=job.code_version,
                metrics=metrics,
                created_by=job.created_by,
                task=ModelVersionTask.ISL if isl else ModelVersionTask.SEGMENTATION,
                provenance="fine_tuned" if cfg.from_version else "trained",
                parent=ModelVersion.objects.filter(pk=cfg.from_version).first()
                if cfg.from_version
                else None,
            )
            locked.metrics = metrics
            locked.epoch = fold.epoch
            locked.message = "finished"
    except BaseException:
        if version is not None and version.weights.name:
            version.weights.storage.delete(version.weights.name)
        raise
    checkpoint_path(fold).unlink(missing_ok=True)


def fold_run_execute(
    *,
    fold_id: int,
    worker: str,
    task_id: str | None = None,
    device: str | None = None,
    report: Callable[[str], None] | None = None,
) -> str:
    """Run (or resume) one fold here; see ``cellweb.jobs.job_execute`` for the outcomes."""
    options = {"device": device, "report": report}
    return job_execute("fold", fold_id, worker=worker, task_id=task_id, options=options)


def foreground_worker_name() -> str:
    return f"manage.py train (pid {os.getpid()})@{socket.gethostname()}"


def training_job_run_foreground(
    *, job: TrainingJob, device: str | None = None, report: Callable[[str], None] | None = None
) -> TrainingJob:
    """Run every fold of ``job`` here, one after the other (no worker needed)."""
    worker = foreground_worker_name()
    for fold in job.folds.order_by("index"):
        outcome = "retry"
        while outcome == "retry":
            outcome = fold_run_execute(fold_id=fold.pk, worker=worker, device=device, report=report)
            if report:
                report(f"{fold.label}: {outcome}")
    training_job_gather(job.pk)
    job.refresh_from_db()
    return job
