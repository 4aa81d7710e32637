"""Cross-validated training of segmentation networks: launch, run folds, gather, cancel, recover.

One service launches a job for the form, the API and ``manage.py train``:
``training_job_launch`` validates the configuration and the data before anything is written,
freezes the ground truth in a snapshot, splits the specimens into folds (all sections of one
specimen in the same fold), estimates the run time, creates one ``FoldRun`` per fold and, after
commit, queues one Celery task per fold on the ``gpu`` queue.

Gathering the folds. Each fold, when it reaches a final state, locks the job row and checks
whether it was the last one; the last one builds the cross-validation summary in that same
transaction. This is the chord's job done without a result backend, and it is what stays correct
here: folds are redelivered after a worker dies (late acks), retried, cancelled or failed by the
heartbeat sweep, and may be run in the foreground by ``manage.py train --wait`` or by the
in-process worker of ``manage.py demo``; a Celery chord would need a result backend, would not
fire its callback when one fold failed, and could count a redelivered fold twice. The row lock
makes the summary happen exactly once, whoever finishes last.

Ownership. ``FoldRun.task_id`` names the task that owns a fold. A task whose id no longer matches
(the sweep re-queued the fold under a new id) stops at its next batch without writing, so one
fold never has two writers.

Live events go to the channel group ``job_group("training", job_id)`` after commit, each with a
per-job ``seq`` that only grows; the database (fold rows and ``EpochLog``) stays the history.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import socket
import subprocess
import time
import tomllib
import traceback
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Avg
from django.utils import timezone

from annotations.models import (
    LABEL_FREE_MODALITIES,
    GroundTruthSource,
    Project,
    Role,
    Specimen,
)
from annotations.permissions import require_role
from annotations.services.snapshots import ground_truth_as_of, ground_truth_snapshot_create
from cellweb.errors import ConflictError, InvalidInput, NotAllowed
from cellweb.events import job_group, send_now
from cellweb.jobs import FINAL_STATUSES, JobStatus
from inference.datasets import (
    SnapshotEntry,
    entries_for_ground_truths,
    snapshot_entries,
    training_tensors,
)
from inference.ml import engine
from inference.ml.augment import AugmentConfig, epoch_indices
from inference.ml.data import grouped_folds, iterate_batches
from inference.ml.device import device_description, pick_device
from inference.ml.metrics import aggregate, auc_pr, batch_section_metrics, scores_from_counts
from inference.ml.nets import MODEL_NAMES, create_model, model_label
from inference.models import EpochLog, FoldRun, ModelVersion, TrainingJob
from inference.services.model_versions import model_version_create, weights_payload

logger = logging.getLogger(__name__)

__all__ = [
    "LOSSES",
    "METRIC_KEYS",
    "TrainingConfig",
    "TrainingConfigError",
    "code_version",
    "fold_fail_unstarted",
    "fold_run_execute",
    "next_event_seq",
    "training_estimate",
    "training_job_cancel",
    "training_job_launch",
    "training_job_run_foreground",
    "training_mark_stale_folds",
]

LOSSES = {"bce": "Binary cross-entropy (paper)", "dice_bce": "Dice + BCE"}
METRIC_KEYS = ("dice", "jaccard", "f05", "precision", "recall", "auc_pr")
MAX_FOLDS = 20
MAX_EPOCHS = 10_000
MAX_BATCH = 1024
MIN_INPUT, MAX_INPUT = 32, 1024
MAX_SEED = 2**31 - 1
# Progress events: a few per second at most; the last batch of an epoch is always reported.
PROGRESS_INTERVAL_S = 0.25
THRESHOLD = 0.5


# ---------------------------------------------------------------------------------------------
# Configuration


class TrainingConfigError(InvalidInput):
    """A configuration that cannot work; ``errors`` maps form fields to their messages."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(" ".join(errors.values()))


@dataclass
class TrainingConfig:
    """Everything a training job is launched with; defaults are the OS-Net paper's."""

    arch: str = "osnet"
    folds: int = 4
    epochs: int = 300
    batch_size: int = 32
    lr: float = 5e-4
    betas: tuple[float, float] = (0.5, 0.999)
    loss: str = "bce"
    elastic: bool = True
    flips: bool = True
    enlarge_crop: bool = True
    aug_fraction: float = 0.3
    input_size: int = 448
    seed: int = 0
    gt_source: str = GroundTruthSource.CONSENSUS
    labs: list[str] = field(default_factory=list)
    modalities: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    specimen_ids: list[int] = field(default_factory=list)
    final_model: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["betas"] = [float(b) for b in self.betas]
        data["gt_source"] = str(self.gt_source)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingConfig:
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in known}
        if "betas" in values:
            values["betas"] = tuple(values["betas"])
        return cls(**values)

    def augment(self) -> AugmentConfig:
        return AugmentConfig(
            elastic=self.elastic,
            flips=self.flips,
            enlarge_crop=self.enlarge_crop,
            fraction=self.aug_fraction,
        )

    def problems(self) -> dict[str, str]:
        """Field → message for every setting out of range (no database access)."""
        errors: dict[str, str] = {}
        if self.arch not in MODEL_NAMES:
            errors["arch"] = (
                f"Unknown network “{self.arch}”; choose one of {', '.join(MODEL_NAMES)}."
            )
        if not isinstance(self.folds, int) or self.folds < 2:
            errors["folds"] = "Cross-validation needs at least 2 folds."
        elif self.folds > MAX_FOLDS:
            errors["folds"] = f"At most {MAX_FOLDS} folds."
        if not isinstance(self.epochs, int) or not 1 <= self.epochs <= MAX_EPOCHS:
            errors["epochs"] = f"Epochs must be between 1 and {MAX_EPOCHS}."
        if not isinstance(self.batch_size, int) or not 1 <= self.batch_size <= MAX_BATCH:
            errors["batch_size"] = f"The batch size must be between 1 and {MAX_BATCH}."
        if not (isinstance(self.lr, int | float) and math.isfinite(self.lr) and 0 < self.lr <= 1):
            errors["lr"] = "The learning rate must be above 0 and at most 1."
        if len(self.betas) != 2 or not all(
            isinstance(b, int | float) and math.isfinite(b) and 0 <= b < 1 for b in self.betas
        ):
            errors["betas"] = "Adam's betas must be two numbers in [0, 1), e.g. 0.5 and 0.999."
        if self.loss not in LOSSES:
            errors["loss"] = f"Unknown loss “{self.loss}”; choose one of {', '.join(LOSSES)}."
        if not (isinstance(self.aug_fraction, int | float) and 0 <= self.aug_fraction <= 1):
            errors["aug_fraction"] = (
                "The augmented fraction must be between 0 and 1 (the paper uses 0.3)."
            )
        if (
            not isinstance(self.input_size, int)
            or not MIN_INPUT <= self.input_size <= MAX_INPUT
            or self.input_size % 16
        ):
            errors["input_size"] = (
                f"The input size must be a multiple of 16 between {MIN_INPUT} and {MAX_INPUT} "
                f"(the networks halve it four times); got {self.input_size}."
            )
        if not isinstance(self.seed, int) or not 0 <= self.seed <= MAX_SEED:
            errors["seed"] = f"The seed must be between 0 and {MAX_SEED}."
        if self.gt_source not in GroundTruthSource.values:
            errors["gt_source"] = (
                f"Unknown ground-truth source “{self.gt_source}”; choose one of {', '.join(GroundTruthSource.values)}."
            )
        bad_modalities = [m for m in self.modalities if m not in LABEL_FREE_MODALITIES]
        if bad_modalities:
            allowed = ", ".join(sorted(str(m) for m in LABEL_FREE_MODALITIES))
            errors["modalities"] = (
                f"Networks train on label-free images; “{bad_modalities[0]}” is not one ({allowed})."
            )
        return errors


# ---------------------------------------------------------------------------------------------
# Data selection and split


@dataclass
class FoldPlan:
    index: int
    kind: str
    train: list[SnapshotEntry]
    val: list[SnapshotEntry]

    @staticmethod
    def specimens(entries: list[SnapshotEntry]) -> list[dict[str, Any]]:
        seen: dict[int, str] = {}
        for e in entries:
            seen.setdefault(e.specimen_id, e.specimen_name)
        return [
            {"id": pk, "name": name}
            for pk, name in sorted(seen.items(), key=lambda kv: (kv[1], kv[0]))
        ]


@dataclass
class TrainingPlan:
    entries: list[SnapshotEntry]
    folds: list[FoldPlan]
    specimens: int
    estimate_s: float
    device_kind: str
    estimates: dict[str, float]


def _source_label(source: str) -> str:
    try:
        return GroundTruthSource(source).label.lower()
    except ValueError:
        return source


def _selected_specimen_ids(project: Project, config: TrainingConfig) -> list[int]:
    specimens = Specimen.objects.filter(project=project)
    if config.specimen_ids:
        wanted = {int(pk) for pk in config.specimen_ids}
        known = set(specimens.filter(pk__in=wanted).values_list("pk", flat=True))
        missing = sorted(wanted - known)
        if missing:
            raise TrainingConfigError(
                {
                    "specimen_ids": f"Specimens {', '.join(map(str, missing))} are not part of project “{project.name}”."
                }
            )
        specimens = specimens.filter(pk__in=wanted)
    if config.labs:
        specimens = specimens.filter(lab__in=config.labs)
    if config.tags:
        specimens = specimens.filter(tags__project=project, tags__name__in=config.tags)
    ids = sorted(set(specimens.values_list("pk", flat=True)))
    if not ids:
        filters = []
        if config.labs:
            filters.append("lab " + ", ".join(config.labs))
        if config.tags:
            filters.append("tag " + ", ".join(config.tags))
        if config.specimen_ids:
            filters.append(f"{len(config.specimen_ids)} chosen specimens")
        what = " and ".join(filters) if filters else "this project"
        raise TrainingConfigError({"data": f"No specimen matches {what}."})
    return ids


def _plan(project: Project, config: TrainingConfig, *, as_of) -> TrainingPlan:
    """Validate the data for ``config`` and split it; raises TrainingConfigError."""
    errors = config.problems()
    if errors:
        raise TrainingConfigError(errors)
    specimen_ids = _selected_specimen_ids(project, config)
    gt_ids = ground_truth_as_of(
        project=project, source=config.gt_source, as_of=as_of, specimen_ids=specimen_ids
    )
    entries = entries_for_ground_truths(gt_ids)
    if config.modalities:
        entries = [e for e in entries if e.modality in config.modalities]
    source = _source_label(config.gt_source)
    if not entries:
        raise TrainingConfigError(
            {
                "data": (
                    f"There is no {source} ground truth for the {len(specimen_ids)} selected "
                    f"specimen{'s' if len(specimen_ids) != 1 else ''}"
                    + (f" ({', '.join(config.modalities)} images)" if config.modalities else "")
                    + ". Confirm sections in review first, or choose another ground-truth source."
                )
            }
        )
    names = sorted({e.specimen_name for e in entries})
    if len(names) < config.folds:
        raise TrainingConfigError(
            {
                "folds": (
                    f"{config.folds}-fold cross-validation needs at least {config.folds} specimens with "
                    f"{source} ground truth (folds never split a specimen); the selection has "
                    f"{len(names)}: {', '.join(names)}. Use fewer folds or select more specimens."
                )
            }
        )
    splits = grouped_folds([str(e.specimen_id) for e in entries], config.folds, seed=config.seed)
    folds = [
        FoldPlan(
            index=i, kind="cv", train=[entries[j] for j in train], val=[entries[j] for j in val]
        )
        for i, (train, val) in enumerate(splits)
    ]
    if config.final_model:
        folds.append(FoldPlan(index=len(folds), kind="final", train=list(entries), val=[]))
    estimates = {kind: _estimate(config, folds, kind) for kind in ("cpu", "cuda")}
    device_kind = _estimate_device_kind()
    return TrainingPlan(
        entries=entries,
        folds=folds,
        specimens=len(names),
        estimate_s=estimates[device_kind],
        device_kind=device_kind,
        estimates=estimates,
    )


def _estimate_device_kind() -> str:
    configured = getattr(settings, "TRAINING_ESTIMATE_DEVICE", "") or ""
    if configured in ("cpu", "cuda"):
        return configured
    return "cuda" if torch.cuda.is_available() else "cpu"


def _estimate(config: TrainingConfig, folds: list[FoldPlan], device_kind: str) -> float:
    """Compute seconds for all folds (they run in parallel when several workers are free)."""
    fraction = config.aug_fraction if config.augment().enabled else 0.0
    cv = [f for f in folds if f.kind == "cv"]
    mean_train = sum(len(f.train) for f in cv) / max(1, len(cv))
    total = engine.estimate_seconds(
        config.arch,
        round(mean_train),
        config.epochs,
        len(cv),
        config.input_size,
        device_kind,
        augment_fraction=fraction,
    )
    for final in (f for f in folds if f.kind == "final"):
        train_rate, _ = engine.throughput(config.arch, device_kind)
        scale = (config.input_size / engine.REFERENCE_SIZE) ** 2
        total += config.epochs * len(final.train) * (1 + fraction) / train_rate * scale
    return float(total)


def training_estimate(*, project: Project, config: TrainingConfig) -> dict[str, Any]:
    """What the launch form shows while the user edits: counts, estimates, or the problem."""
    try:
        plan = _plan(project, config, as_of=timezone.now())
    except TrainingConfigError as exc:
        return {"estimate_s": None, "problem": exc.message, "errors": exc.errors}
    return {
        "estimate_s": plan.estimate_s,
        "device_kind": plan.device_kind,
        "estimates": plan.estimates,
        "specimens": plan.specimens,
        "sections": len(plan.entries),
        "folds": [
            {
                "index": f.index,
                "kind": f.kind,
                "train_sections": len(f.train),
                "val_sections": len(f.val),
                "specimens_val": [s["name"] for s in FoldPlan.specimens(f.val)],
            }
            for f in plan.folds
        ],
        "problem": None,
        "errors": {},
    }


@lru_cache(maxsize=1)
def code_version() -> str:
    """``git describe`` of the running code when available, else the package version."""
    root = Path(settings.BASE_DIR)
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        if out.returncode == 0 and out.stdout.strip():
            return f"git {out.stdout.strip()}"[:100]
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        with (root / "pyproject.toml").open("rb") as fh:
            return f"cellweb {tomllib.load(fh)['project']['version']}"
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "cellweb (unknown version)"


# ---------------------------------------------------------------------------------------------
# Launch


def training_job_launch(
    *, project: Project, user, config: TrainingConfig, queue: bool = True
) -> TrainingJob:
    """Validate, freeze the ground truth, split, create the fold rows and queue the folds.

    Nothing is written or queued when the configuration or the data cannot work. ``queue=False``
    leaves the folds for ``training_job_run_foreground`` (``manage.py train --wait``).
    """
    if user is not None:
        require_role(user, project, Role.MANAGER)
    now = timezone.now()
    plan = _plan(project, config, as_of=now)
    with transaction.atomic():
        snapshot = ground_truth_snapshot_create(
            project=project,
            source=config.gt_source,
            as_of=now,
            user=user,
            specimen_ids=sorted({e.specimen_id for e in plan.entries}),
        )
        # The snapshot holds exactly what is trained on (modality filters applied).
        snapshot.entries.set([e.ground_truth_id for e in plan.entries])
        job = TrainingJob(
            project=project,
            created_by=user,
            config=config.to_dict(),
            snapshot=snapshot,
            estimate_s=plan.estimate_s,
            device_kind=plan.device_kind,
            code_version=code_version(),
            sections=len(plan.entries),
            message=f"{len(plan.entries)} sections of {plan.specimens} specimens",
        )
        job.full_clean()
        job.save()
        folds = []
        for fold_plan in plan.folds:
            fold = FoldRun(
                job=job,
                index=fold_plan.index,
                kind=fold_plan.kind,
                train_specimens=FoldPlan.specimens(fold_plan.train),
                val_specimens=FoldPlan.specimens(fold_plan.val),
                train_sections=len(fold_plan.train),
                val_sections=len(fold_plan.val),
                epochs=config.epochs,
                task_id=str(uuid.uuid4()) if queue else "",
            )
            fold.full_clean()
            folds.append(fold)
        FoldRun.objects.bulk_create(folds)
        if queue:
            owned = [(f.pk, f.task_id) for f in job.folds.order_by("index")]
            transaction.on_commit(lambda: _queue_folds(job.pk, owned))
    return job


def _queue_folds(job_id: int, owned: list[tuple[int, str]]) -> None:
    from inference.tasks import training_fold_run

    for fold_id, task_id in owned:
        try:
            training_fold_run.apply_async(args=[fold_id], task_id=task_id)
        except Exception as exc:  # broker down: say so on the fold instead of leaving it queued
            logger.exception("Could not queue fold %s", fold_id)
            fold_fail_unstarted(fold_id, f"The task queue could not be reached: {exc}")


def fold_fail_unstarted(fold_id: int, error: str) -> None:
    """Fail a fold that is not running (it could not be queued or started)."""
    with transaction.atomic():
        fold = FoldRun.objects.select_for_update().get(pk=fold_id)
        if fold.status in FINAL_STATUSES or fold.status == JobStatus.RUNNING:
            return
        fold.status = JobStatus.FAILED
        fold.error = error
        fold.finished_at = timezone.now()
        fold.save(update_fields=["status", "error", "finished_at"])
        _emit_fold_status(fold)
    _gather(fold.job_id)


# ---------------------------------------------------------------------------------------------
# Events


def _seq_key(job_id: int) -> str:
    return f"training-job-seq:{job_id}"


def next_event_seq(job_id: int) -> int:
    """A per-job number that only grows, shared by every process through the cache (Redis).

    The counter starts from the clock in milliseconds, so if the cache loses it the next
    numbers are still larger than every number handed out before.
    """
    key = _seq_key(job_id)
    for _ in range(3):
        cache.add(key, int(time.time() * 1000), timeout=30 * 24 * 3600)
        try:
            return int(cache.incr(key))
        except ValueError:  # evicted between add and incr
            continue
    return int(time.time() * 1000)


def current_event_seq(job_id: int) -> int:
    return int(cache.get(_seq_key(job_id)) or 0)


def _emit(job_id: int, event: dict[str, Any]) -> None:
    """Send ``event`` after commit, numbered then: a snapshot reads the counter before it reads
    the database, so an event it has not seen always carries a larger number than the snapshot's
    ``seq`` and the page applies it (at worst an update is applied twice, never lost)."""

    def send() -> None:
        send_now(job_group("training", job_id), {**event, "seq": next_event_seq(job_id)})

    transaction.on_commit(send)


def _emit_fold_status(fold: FoldRun) -> None:
    _emit(
        fold.job_id,
        {
            "type": "fold_status",
            "fold": fold.index,
            "status": fold.status,
            "worker": fold.worker,
            "device": fold.device,
            "attempts": fold.attempts,
            "error": fold.error or None,
        },
    )


def _emit_job_status(job: TrainingJob) -> None:
    _emit(
        job.pk,
        {
            "type": "job_status",
            "status": job.status,
            "summary": job.summary,
            "error": job.error or None,
        },
    )


# ---------------------------------------------------------------------------------------------
# Running one fold


class _Superseded(Exception):
    """This process no longer owns the fold (re-queued elsewhere, or already ended)."""


# A run owns its fold while the fold's task id and attempt number are the ones it started with:
# the sweep re-queues under a new task id, and a takeover after a lost worker counts an attempt.
Owner = tuple[str, int]


def _owns(fold: FoldRun, owner: Owner) -> bool:
    return (fold.task_id, fold.attempts) == owner and fold.status == JobStatus.RUNNING


def _max_attempts() -> int:
    return 1 + int(settings.TRAINING_MAX_RETRIES)


def checkpoint_dir(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "checkpoints" / f"job-{job_id}"


def checkpoint_path(fold: FoldRun) -> Path:
    return checkpoint_dir(fold.job_id) / f"fold-{fold.index}.pt"


def _append_log(fold: FoldRun, line: str) -> None:
    fold.log = [*fold.log, {"at": timezone.now().isoformat(), "line": line}][-200:]


def _clean(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def fold_run_execute(
    *,
    fold_id: int,
    worker: str,
    task_id: str | None = None,
    device: str | None = None,
    report: Callable[[str], None] | None = None,
) -> str:
    """Run (or resume) one fold. Returns "succeeded", "failed", "cancelled", "retry" (the fold
    failed but has attempts left; it is queued again and the caller runs it again) or "skipped"
    (nothing to do: finished already, or owned by another task)."""
    torch_device = pick_device(device)
    started = _fold_start(
        fold_id, worker=worker, task_id=task_id, device=device_description(torch_device)
    )
    if isinstance(started, str):
        return started
    fold = started
    owner: Owner = (fold.task_id, fold.attempts)
    runner = _FoldTrainer(fold, torch_device, owner=owner, report=report)
    try:
        runner.run()
    except _Superseded:
        logger.info("Fold %s is owned elsewhere now; this run stops", fold_id)
        return "skipped"
    except engine.TrainingCancelled:
        _fold_end(fold.pk, JobStatus.CANCELLED, owner=owner)
        return "cancelled"
    except Exception as exc:
        logger.exception("Fold %s failed", fold_id)
        return _fold_error(fold.pk, exc, owner=owner)
    return "succeeded"


def _fold_start(fold_id: int, *, worker: str, task_id: str | None, device: str) -> FoldRun | str:
    with transaction.atomic():
        try:
            fold = FoldRun.objects.select_for_update().select_related("job").get(pk=fold_id)
        except FoldRun.DoesNotExist:
            return "skipped"
        if task_id is not None and fold.task_id != task_id:
            return "skipped"  # a stale delivery: the fold was re-queued under another task
        if fold.status in FINAL_STATUSES:
            return "skipped"
        job = fold.job
        now = timezone.now()
        if fold.cancel_requested or job.cancel_requested:
            fold.status = JobStatus.CANCELLED
            fold.finished_at = now
            fold.save(update_fields=["status", "finished_at"])
            _emit_fold_status(fold)
            transaction.on_commit(lambda: _gather(job.pk))
            return "cancelled"
        interrupted = fold.status == JobStatus.RUNNING
        if (
            interrupted
            and fold.heartbeat_at
            and now - fold.heartbeat_at < timedelta(seconds=settings.HEARTBEAT_TIMEOUT_S)
        ):
            # The same message again while its first run is alive (the broker's visibility
            # timeout ran out on a long fold): leave the fold to that run.
            return "skipped"
        fold.attempts += 1
        if interrupted:
            _append_log(
                fold,
                f"Attempt {fold.attempts - 1} ended without finishing (worker lost at epoch {fold.epoch}).",
            )
        if fold.attempts > _max_attempts():
            fold.status = JobStatus.FAILED
            fold.finished_at = now
            fold.error = fold.error or (
                f"The worker running this fold stopped {fold.attempts - 1} times "
                f"(last at epoch {fold.epoch} of {fold.epochs}); giving up."
            )
            fold.save(update_fields=["status", "finished_at", "error", "attempts", "log"])
            _emit_fold_status(fold)
            transaction.on_commit(lambda: _gather(job.pk))
            return "failed"
        fold.status = JobStatus.RUNNING
        fold.started_at = fold.started_at or now
        fold.heartbeat_at = now
        fold.worker = worker[:255]
        fold.device = device[:255]
        fold.message = f"attempt {fold.attempts}" + (
            f", resuming after epoch {fold.epoch}" if fold.epoch else ""
        )
        _append_log(fold, f"Attempt {fold.attempts} started on {worker} ({device}).")
        fold.save(
            update_fields=[
                "status",
                "started_at",
                "heartbeat_at",
                "worker",
                "device",
                "attempts",
                "message",
                "log",
            ]
        )
        if job.status == JobStatus.QUEUED:
            TrainingJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
                status=JobStatus.RUNNING, started_at=now, heartbeat_at=now
            )
            job.status = JobStatus.RUNNING
            _emit_job_status(job)
        _emit_fold_status(fold)
    return fold


class _FoldTrainer:
    """The epoch loop of one fold with its progress, heartbeat, cancel check and checkpoints."""

    def __init__(
        self,
        fold: FoldRun,
        device: torch.device,
        *,
        owner: Owner,
        report: Callable[[str], None] | None,
    ):
        self.fold = fold
        self.job = fold.job
        self.owner = owner
        self.device = device
        self.report = report or (lambda line: None)
        self.config = TrainingConfig.from_dict(self.job.config)
        self.last_progress = 0.0
        self.attempt_batches = 0
        self.attempt_batch_seconds = 0.0
        self.batch_started = 0.0
        self.eval_seconds = 0.0
        self.n_batches = 0

    # -- ownership and cancel, checked once per batch (one indexed query)

    def check(self) -> bool:
        row = (
            FoldRun.objects.filter(pk=self.fold.pk)
            .values_list("cancel_requested", "task_id", "attempts", "status")
            .first()
        )
        if row is None:
            raise _Superseded()
        cancel_requested, task_id, attempts, status = row
        if (task_id, attempts) != self.owner or status != JobStatus.RUNNING:
            raise _Superseded()
        return bool(cancel_requested)

    def should_stop(self) -> bool:
        self.batch_started = time.perf_counter()
        return self.check()

    def heartbeat(self, *fields: str) -> None:
        self.fold.heartbeat_at = timezone.now()
        self.fold.save(update_fields=["heartbeat_at", *fields])

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
        now = time.monotonic()
        if done != total and now - self.last_progress < PROGRESS_INTERVAL_S:
            return
        self.last_progress = now
        fold = self.fold
        fold.batch, fold.batches = done, total
        fold.eta_s = self._eta(fold.epoch, done)
        fold.progress = min(1.0, (fold.epoch + done / max(total, 1)) / max(fold.epochs, 1))
        self.heartbeat("batch", "batches", "eta_s", "progress")
        _emit(
            fold.job_id,
            {
                "type": "progress",
                "fold": fold.index,
                "epoch": fold.epoch + 1,
                "epochs": fold.epochs,
                "batch": done,
                "batches": total,
                "eta_s": _clean(fold.eta_s),
                "loss": _clean(loss),
            },
        )

    # -- the loop

    def run(self) -> None:
        cfg, fold, device = self.config, self.fold, self.device
        train_entries, val_entries = _fold_entries(fold)
        self.report(
            f"{fold.label}: {len(train_entries)} training and {len(val_entries)} validation sections"
        )
        train_x, train_y = training_tensors(train_entries, input_size=cfg.input_size)
        val_x, val_y = (
            training_tensors(val_entries, input_size=cfg.input_size)
            if val_entries
            else (None, None)
        )
        self.heartbeat()
        if device.type == "cuda":  # the whole set lives on the GPU; augmentation runs there
            train_x, train_y = train_x.to(device), train_y.to(device)
            if val_x is not None:
                val_x, val_y = val_x.to(device), val_y.to(device)

        generator = engine.seed_everything(cfg.seed * 1009 + fold.index)
        model = engine.prepare_model(create_model(cfg.arch), device)
        optimizer = engine.make_optimizer(model, lr=cfg.lr, betas=tuple(cfg.betas))
        loss_fn = engine.make_loss(cfg.loss)
        augment = cfg.augment()

        history: list[dict[str, Any]] = []
        start_epoch = 0
        path = checkpoint_path(fold)
        if path.exists():
            state = engine.load_checkpoint(
                path, model=model, optimizer=optimizer, map_location=device
            )
            start_epoch = min(state["epoch"], fold.epochs)
            history = state["history"][:start_epoch]
            rng = state["extra"].get("rng")
            if rng is not None:
                generator.set_state(torch.as_tensor(rng, dtype=torch.uint8))
            self._backfill(history)
            self.report(f"{fold.label}: resumed from the checkpoint after epoch {start_epoch}")
        fold.checkpoint = str(path)
        fold.epoch = start_epoch

        n_train = train_x.shape[0]
        for epoch in range(start_epoch, fold.epochs):
            indices, flags = epoch_indices(n_train, augment, generator)
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
            if self.check():
                raise engine.TrainingCancelled(f"cancelled after epoch {epoch + 1}")
            val = None
            if val_x is not None:
                eval_started = time.perf_counter()
                val = engine.evaluate(
                    model,
                    iterate_batches(
                        val_x, val_y, torch.arange(val_x.shape[0]), None, cfg.batch_size
                    ),
                    loss_fn,
                    device=device,
                )
                self.eval_seconds = time.perf_counter() - eval_started
            entry = {
                "epoch": epoch + 1,
                "train_loss": _clean(stats.loss),
                "val_loss": _clean(val.loss) if val else None,
                "val_dice": _clean(val.dice) if val else None,
                "val_metrics": (
                    {
                        k: _clean(getattr(val, k))
                        for k in ("dice", "jaccard", "f05", "precision", "recall")
                    }
                    if val
                    else {}
                ),
                "seconds": time.perf_counter() - started,
            }
            history.append(entry)
            engine.save_checkpoint(
                path,
                model=model,
                optimizer=optimizer,
                epoch=epoch + 1,
                history=history,
                extra={"rng": generator.get_state(), "fold_id": fold.pk},
            )
            self._end_epoch(entry)
            val_text = (
                f", val loss {entry['val_loss']:.4f}, val Dice {entry['val_dice']:.4f}"
                if val
                else ""
            )
            self.report(
                f"{fold.label}: epoch {epoch + 1}/{fold.epochs}, train loss {entry['train_loss']:.4f}{val_text}"
            )

        self.check()
        metrics = {}
        if val_x is not None:
            metrics = _held_out_metrics(
                model, val_x, val_y, device=device, batch_size=cfg.batch_size
            )
        _fold_succeed(fold, model, metrics, owner=self.owner)

    def _backfill(self, history: list[dict[str, Any]]) -> None:
        """Epoch logs the checkpoint knows but the database missed (killed between the two)."""
        have = set(EpochLog.objects.filter(fold=self.fold).values_list("epoch", flat=True))
        missing = [
            EpochLog(
                fold=self.fold,
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

    def _end_epoch(self, entry: dict[str, Any]) -> None:
        fold = self.fold
        with transaction.atomic():
            self.check()
            EpochLog.objects.update_or_create(
                fold=fold,
                epoch=entry["epoch"],
                defaults={
                    k: entry[k]
                    for k in ("train_loss", "val_loss", "val_dice", "val_metrics", "seconds")
                },
            )
            fold.epoch = entry["epoch"]
            fold.batch = fold.batches
            fold.progress = fold.epoch / max(fold.epochs, 1)
            fold.eta_s = self._eta(fold.epoch, 0)
            fold.message = f"epoch {fold.epoch} of {fold.epochs}"
            self.heartbeat(
                "epoch", "batch", "batches", "progress", "eta_s", "checkpoint", "message"
            )
            progress = (
                FoldRun.objects.filter(job_id=fold.job_id).aggregate(p=Avg("progress"))["p"] or 0.0
            )
            TrainingJob.objects.filter(pk=fold.job_id).update(
                progress=progress, heartbeat_at=fold.heartbeat_at
            )
            _emit(
                fold.job_id,
                {
                    "type": "epoch",
                    "fold": fold.index,
                    "epoch": entry["epoch"],
                    "epochs": fold.epochs,
                    "train_loss": entry["train_loss"],
                    "val_loss": entry["val_loss"],
                    "val_dice": entry["val_dice"],
                },
            )


def _fold_entries(fold: FoldRun) -> tuple[list[SnapshotEntry], list[SnapshotEntry]]:
    entries = snapshot_entries(fold.job.snapshot)
    train_ids = {s["id"] for s in fold.train_specimens}
    val_ids = {s["id"] for s in fold.val_specimens}
    return [e for e in entries if e.specimen_id in train_ids], [
        e for e in entries if e.specimen_id in val_ids
    ]


def _held_out_metrics(model, val_x, val_y, *, device, batch_size: int) -> dict[str, Any]:
    """The paper's metrics on the fold's held-out sections at threshold 0.5.

    The fold's numbers pool the pixels of all its held-out sections (counts summed, AUC-PR over
    every pixel), so sections above or below the nucleus, where an empty prediction is trivially
    right, do not inflate them. Per-section means are kept alongside under ``section_mean``.
    """
    probs = engine.predict_probabilities(model, val_x, device=device, batch_size=batch_size)
    probs = probs[:, 0].numpy()
    truth = val_y[:, 0].to("cpu").numpy() > 0.5
    per_section = batch_section_metrics(probs, truth, threshold=THRESHOLD)
    tp, fp, fn = (sum(s[k] for s in per_section) for k in ("tp", "fp", "fn"))
    pooled = scores_from_counts(tp, fp, fn, beta=0.5)
    metrics: dict[str, Any] = {
        "dice": pooled["dice"],
        "jaccard": pooled["jaccard"],
        "f05": pooled["f_beta"],
        "precision": pooled["precision"],
        "recall": pooled["recall"],
        "auc_pr": _clean(auc_pr(probs, truth)),
    }
    metrics["section_mean"] = {
        k: _clean(aggregate([s[k] for s in per_section])[0]) for k in METRIC_KEYS
    }
    metrics["sections"] = len(per_section)
    metrics["threshold"] = THRESHOLD
    return metrics


def _fold_succeed(fold: FoldRun, model, metrics: dict[str, Any], *, owner: Owner) -> None:
    job = fold.job
    cfg = TrainingConfig.from_dict(job.config)
    weights = weights_payload(model, arch=cfg.arch, input_size=cfg.input_size)
    version = None
    try:
        with transaction.atomic():
            locked = FoldRun.objects.select_for_update().get(pk=fold.pk)
            if not _owns(locked, owner):
                raise _Superseded()
            kind = "final" if fold.kind == "final" else "fold"
            name = f"{model_label(cfg.arch)} · job {job.pk} · " + (
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
                config=job.config,
                snapshot=job.snapshot,
                train_specimens=locked.train_specimens,
                val_specimens=locked.val_specimens,
                code_version=job.code_version,
                metrics=metrics,
                created_by=job.created_by,
            )
            now = timezone.now()
            locked.status = JobStatus.SUCCEEDED
            locked.finished_at = now
            locked.heartbeat_at = now
            locked.progress = 1.0
            locked.eta_s = 0.0
            locked.metrics = metrics
            locked.epoch = fold.epoch
            locked.message = "finished"
            locked.error = ""
            locked.save(
                update_fields=[
                    "status",
                    "finished_at",
                    "heartbeat_at",
                    "progress",
                    "eta_s",
                    "metrics",
                    "epoch",
                    "message",
                    "error",
                ]
            )
            _emit_fold_status(locked)
            transaction.on_commit(lambda: _gather(job.pk))
    except BaseException:
        if version is not None and version.weights.name:
            version.weights.storage.delete(version.weights.name)
        raise
    checkpoint_path(fold).unlink(missing_ok=True)


def _fold_end(fold_id: int, status: str, *, owner: Owner, error: str = "") -> None:
    with transaction.atomic():
        fold = FoldRun.objects.select_for_update().get(pk=fold_id)
        if not _owns(fold, owner):
            return
        fold.status = status
        fold.finished_at = timezone.now()
        fold.error = error
        fold.eta_s = None
        fold.save(update_fields=["status", "finished_at", "error", "eta_s"])
        _emit_fold_status(fold)
        transaction.on_commit(lambda: _gather(fold.job_id))


def _fold_error(fold_id: int, exc: Exception, *, owner: Owner) -> str:
    message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
    message = f"{exc.__class__.__name__}: {message}"[:2000]
    with transaction.atomic():
        fold = FoldRun.objects.select_for_update().get(pk=fold_id)
        if not _owns(fold, owner):
            return "skipped"
        _append_log(fold, traceback.format_exc()[-3000:])
        if fold.attempts < _max_attempts():
            fold.status = JobStatus.QUEUED
            fold.message = f"attempt {fold.attempts} failed ({message[:300]}); retrying"
            fold.error = message
            fold.save(update_fields=["status", "message", "error", "log"])
            _emit_fold_status(fold)
            return "retry"
        fold.status = JobStatus.FAILED
        fold.finished_at = timezone.now()
        fold.error = message
        fold.eta_s = None
        fold.save(update_fields=["status", "finished_at", "error", "eta_s", "log"])
        _emit_fold_status(fold)
        transaction.on_commit(lambda: _gather(fold.job_id))
    return "failed"


# ---------------------------------------------------------------------------------------------
# Gathering the folds into the job's result


def _summary(folds: list[FoldRun]) -> dict[str, Any] | None:
    done = [f for f in folds if f.kind == "cv" and f.status == JobStatus.SUCCEEDED and f.metrics]
    if not done:
        return None
    metrics: dict[str, Any] = {}
    for key in METRIC_KEYS:
        per_fold = [_clean(f.metrics.get(key)) for f in done]
        mean, std = aggregate([math.nan if v is None else v for v in per_fold])
        metrics[key] = {"mean": _clean(mean), "std": _clean(std), "per_fold": per_fold}
    return {
        "metrics": metrics,
        "folds": [f.index for f in done],
        "folds_total": sum(1 for f in folds if f.kind == "cv"),
        "threshold": THRESHOLD,
        "std": "sample standard deviation over folds",
        "sections": [f.metrics.get("sections") for f in done],
    }


def _gather(job_id: int) -> None:
    """Finish the job once every fold has ended; exactly once, whoever ends last."""
    with transaction.atomic():
        job = TrainingJob.objects.select_for_update().get(pk=job_id)
        if job.status in FINAL_STATUSES:
            return
        folds = list(job.folds.order_by("index"))
        if any(f.status not in FINAL_STATUSES for f in folds):
            return
        statuses = {f.status for f in folds}
        job.summary = _summary(folds)
        if statuses == {JobStatus.SUCCEEDED}:
            job.status = JobStatus.SUCCEEDED
            job.error = ""
        elif JobStatus.FAILED in statuses:
            job.status = JobStatus.FAILED
            job.error = "; ".join(
                f"{f.label} failed: {f.error}" for f in folds if f.status == JobStatus.FAILED
            )[:5000]
        else:
            job.status = JobStatus.CANCELLED
        now = timezone.now()
        job.finished_at = now
        job.gathered_at = now
        job.progress = 1.0 if job.status == JobStatus.SUCCEEDED else job.progress
        job.save(
            update_fields=["status", "summary", "error", "finished_at", "gathered_at", "progress"]
        )
        if job.summary:
            means = {k: v["mean"] for k, v in job.summary["metrics"].items()}
            for version in ModelVersion.objects.filter(job=job, kind="final"):
                version.metrics = {**version.metrics, "cross_validation": means}
                version.save(update_fields=["metrics"])
        _emit_job_status(job)
        # Checkpoints only serve resuming a fold of an unfinished job.
        transaction.on_commit(lambda: shutil.rmtree(checkpoint_dir(job.pk), ignore_errors=True))


# ---------------------------------------------------------------------------------------------
# Cancel and recovery


def training_job_cancel(*, job: TrainingJob, user, stop_running_now: bool = False) -> TrainingJob:
    """Stop a job: queued folds end cancelled now, running folds at their next batch.

    ``stop_running_now`` also ends running folds at once; only for the process that runs them
    (``manage.py train --wait`` after Ctrl+C), which will not reach another batch.
    """
    if user is not None:
        held = require_role(user, job.project)
        if Role.MANAGER not in held and job.created_by_id != user.pk:
            raise NotAllowed("Only a manager or the person who launched this job can cancel it.")
    with transaction.atomic():
        locked = TrainingJob.objects.select_for_update().get(pk=job.pk)
        if locked.status in FINAL_STATUSES:
            raise ConflictError(
                f"This job has already ended ({locked.status}).", current={"status": locked.status}
            )
        locked.cancel_requested = True
        locked.message = "cancelling"
        locked.save(update_fields=["cancel_requested", "message"])
        now = timezone.now()
        for fold in (
            FoldRun.objects.select_for_update()
            .filter(job=locked)
            .exclude(status__in=FINAL_STATUSES)
        ):
            fold.cancel_requested = True
            fields = ["cancel_requested"]
            if fold.status == JobStatus.QUEUED or stop_running_now:
                fold.status = JobStatus.CANCELLED
                fold.finished_at = now
                fold.eta_s = None
                fields += ["status", "finished_at", "eta_s"]
            fold.save(update_fields=fields)
            if "status" in fields:
                _emit_fold_status(fold)
        transaction.on_commit(lambda: _gather(locked.pk))
    locked.refresh_from_db()
    return locked


def training_mark_stale_folds(*, job: TrainingJob | None = None) -> int:
    """Running folds whose worker stopped sending heartbeats: re-queue them while attempts are
    left (they resume from their last checkpoint), else fail them. Returns how many changed."""
    cutoff = timezone.now() - timedelta(seconds=settings.HEARTBEAT_TIMEOUT_S)
    stale = FoldRun.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff)
    if job is not None:
        stale = stale.filter(job=job)
    changed = 0
    for fold_id in list(stale.values_list("pk", flat=True)):
        with transaction.atomic():
            fold = FoldRun.objects.select_for_update().get(pk=fold_id)
            if (
                fold.status != JobStatus.RUNNING
                or fold.heartbeat_at is None
                or fold.heartbeat_at >= cutoff
            ):
                continue
            silent = int((timezone.now() - fold.heartbeat_at).total_seconds())
            changed += 1
            _append_log(fold, f"No heartbeat from {fold.worker or 'the worker'} for {silent} s.")
            if fold.attempts < _max_attempts() and not fold.cancel_requested:
                fold.status = JobStatus.QUEUED
                fold.task_id = str(uuid.uuid4())
                fold.message = f"worker stopped responding after epoch {fold.epoch}; re-queued"
                fold.save(update_fields=["status", "task_id", "message", "log"])
                owned = [(fold.pk, fold.task_id)]
                job_id = fold.job_id
                transaction.on_commit(
                    lambda owned=owned, job_id=job_id: _queue_folds(job_id, owned)
                )
            else:
                fold.status = JobStatus.CANCELLED if fold.cancel_requested else JobStatus.FAILED
                fold.finished_at = timezone.now()
                fold.error = (
                    ""
                    if fold.cancel_requested
                    else (
                        f"The worker stopped responding (no heartbeat for {silent} s, attempt "
                        f"{fold.attempts} of {_max_attempts()})."
                    )
                )
                fold.eta_s = None
                fold.save(update_fields=["status", "finished_at", "error", "eta_s", "log"])
                job_id = fold.job_id
                transaction.on_commit(lambda job_id=job_id: _gather(job_id))
            _emit_fold_status(fold)
    return changed


# ---------------------------------------------------------------------------------------------
# Foreground runs (manage.py train --wait)


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
    _gather(job.pk)
    job.refresh_from_db()
    return job
