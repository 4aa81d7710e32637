"""The run-time estimate of a training job, calibrated by what finished folds really took.

The benchmark figures of ``inference.ml.engine`` (sections per second of one network on an idle
device) give each fold a *nominal* time. Real folds take longer: other load on the workers, data
loading, a checkpoint and a validation pass every epoch, scoring and saving at the end. So the
estimate reads the latest succeeded folds of each device kind from the database (their epoch
seconds, wall time and configuration are stored anyway) and measures three things:

- ``speed_factor``: real epoch seconds / nominal epoch seconds;
- ``overhead_s_per_mpx``: per fold, wall time outside the epochs less ``FOLD_SETUP_S``, per
  megapixel of the native sections the fold reads and scores (median): reading a section and
  scoring its nuclei at native resolution cost by its pixels, whatever the input size;
- ``parallel``: folds that ran at once (sum of fold wall times / job wall time).

Without finished folds of a kind it uses a default measured the same way on the development
machine (``DEFAULT_CALIBRATION``, ``bench/train_estimate.py``), and says so. Every estimate
states what it assumes.
"""

from __future__ import annotations

import os
import statistics
from dataclasses import asdict, dataclass, replace
from typing import Any

from django.conf import settings
from django.db.models import Count, Sum

from cellweb.jobs import JobStatus
from inference.datasets import SnapshotEntry, snapshot_entries
from inference.ml import engine
from inference.models import FoldRun
from inference.services.training.config import TrainingConfig
from inference.services.training.fold_sizes import fold_inputs, fold_megapixels

__all__ = [
    "DEFAULT_CALIBRATION",
    "LONG_RUN_S",
    "Calibration",
    "calibration_for",
    "default_calibration",
    "fold_nominal_seconds",
    "held_out_nominal_seconds",
    "job_seconds",
    "long_run_warning",
]

# A launch estimated at this or more on CPU workers asks for confirmation.
LONG_RUN_S = 3600.0
# The latest succeeded folds of a device kind that calibrate its estimate.
SAMPLE_FOLDS = 20
# Seconds every fold spends outside its epochs whatever its data: building the network, the
# model version and its weights, the job's bookkeeping (tiny folds of bench/train_estimate.py).
FOLD_SETUP_S = 0.6


@dataclass(frozen=True)
class Calibration:
    device_kind: str
    speed_factor: float
    overhead_s_per_mpx: float
    parallel: float
    folds: int
    source: str

    def public(self) -> dict[str, Any]:
        return asdict(self)


# Measured with bench/train_estimate.py on the 2-core development machine (load average 1-4, one
# torch thread as the embedded worker gives each fold, OS-Net, 2 folds, sections of 96-448 px at
# inputs of 64-448 px; docs/training.md): 2.5x-6.7x the benchmark epoch time, median 4.2x, and
# 0-0.7 s per megapixel of a fold's native sections outside the epochs and the held-out pass,
# median 0.4 s (a worker's first fold pays for its lazy imports). More load makes both larger;
# the first finished fold replaces them. No GPU fold has run here: its default is the benchmark
# figure as is, with the CPU's per-pixel reading and scoring (they run on the CPU there too).
DEFAULT_CALIBRATION = {
    "cpu": Calibration("cpu", 4.2, 0.4, 1.0, 0, "a default measured on the development machine"),
    "cuda": Calibration("cuda", 1.0, 0.4, 1.0, 0, "the benchmark figures (no GPU fold measured)"),
}


def default_calibration(device_kind: str) -> Calibration:
    """``DEFAULT_CALIBRATION``, with the folds the in-process worker runs at once when the site
    runs its own (``settings.EMBEDDED_SERVICES``): two folds in threads of one torch thread each,
    as the default's speed factor was measured, on as many cores."""
    default = DEFAULT_CALIBRATION[device_kind]
    if not settings.EMBEDDED_SERVICES:
        return default
    from inference.services.training.fold_run import EMBEDDED_CONCURRENCY

    at_once = max(1, min(EMBEDDED_CONCURRENCY, os.cpu_count() or 1))
    return replace(default, parallel=float(at_once))


def device_kind_of(description: str) -> str:
    """``FoldRun.device`` ("cpu (2 threads)", "NVIDIA H100 … (79 GiB)") as "cpu" or "cuda"."""
    return "cpu" if description.startswith("cpu") else "cuda"


def fold_nominal_seconds(
    config: TrainingConfig, *, train_sections: int, val_sections: int, device_kind: str
) -> float:
    """Epoch seconds of one fold at the benchmark figures (idle device, no overhead)."""
    fraction = config.aug_fraction if config.augment().enabled else 0.0
    train_rate, infer_rate = engine.throughput(config.arch, device_kind)
    per_epoch = train_sections * (1.0 + fraction) / train_rate + val_sections / infer_rate
    return config.epochs * per_epoch * _pixel_scale(config)


def held_out_nominal_seconds(
    config: TrainingConfig, *, val_sections: int, device_kind: str
) -> float:
    """The fold's last pass over its held-out sections, to score them, at the benchmark figures."""
    _, infer_rate = engine.throughput(config.arch, device_kind)
    return val_sections / infer_rate * _pixel_scale(config)


def _pixel_scale(config: TrainingConfig) -> float:
    return (config.input_size / engine.REFERENCE_SIZE) ** 2


def _samples(device_kind: str) -> list[dict[str, Any]]:
    folds = (
        FoldRun.objects.filter(
            status=JobStatus.SUCCEEDED,
            attempts=1,
            started_at__isnull=False,
            finished_at__isnull=False,
        )
        .annotate(epoch_s=Sum("epoch_logs__seconds"), logged=Count("epoch_logs"))
        .select_related("job__snapshot")
        .order_by("-finished_at", "-id")
    )
    samples = []
    entries_of_job: dict[int, list[SnapshotEntry]] = {}
    for fold in folds[: SAMPLE_FOLDS * 4]:
        if device_kind_of(fold.device) != device_kind or not fold.logged or not fold.epoch_s:
            continue
        if fold.job_id not in entries_of_job:  # the folds of a job share its snapshot
            entries_of_job[fold.job_id] = snapshot_entries(fold.job.snapshot)
        train, val = (
            [e for e in entries_of_job[fold.job_id] if e.specimen_id in {s["id"] for s in side}]
            for side in (fold.train_specimens, fold.val_specimens)
        )
        try:
            config = TrainingConfig.from_dict(fold.job.config or {})
            sizes = {"input_size": config.input_size, "native_crops": bool(config.native_crops)}
            train_inputs, val_inputs = fold_inputs(train, **sizes), fold_inputs(val, **sizes)
            nominal = fold_nominal_seconds(
                config,
                train_sections=train_inputs,
                val_sections=val_inputs,
                device_kind=device_kind,
            ) * (fold.logged / max(1, config.epochs))
            held_out = held_out_nominal_seconds(
                config, val_sections=val_inputs, device_kind=device_kind
            )
        except (TypeError, ValueError):
            continue  # a configuration of an older version: not comparable
        wall = (fold.finished_at - fold.started_at).total_seconds()
        samples.append(
            {
                "job": fold.job_id,
                "started": fold.started_at,
                "finished": fold.finished_at,
                "wall": wall,
                "epoch_s": float(fold.epoch_s),
                "nominal": nominal,
                "held_out": held_out,
                "mpx": fold_megapixels(train + val),
            }
        )
        if len(samples) == SAMPLE_FOLDS:
            break
    return samples


def _parallel(samples: list[dict[str, Any]]) -> float:
    by_job: dict[int, list[dict[str, Any]]] = {}
    for s in samples:
        by_job.setdefault(s["job"], []).append(s)
    ratios = []
    for folds in by_job.values():
        if len(folds) < 2:
            continue
        span = (
            max(f["finished"] for f in folds) - min(f["started"] for f in folds)
        ).total_seconds()
        if span > 0:
            ratios.append(min(len(folds), max(1.0, sum(f["wall"] for f in folds) / span)))
    return statistics.mean(ratios) if ratios else 1.0


def calibration_for(device_kind: str) -> Calibration:
    """What the latest succeeded folds on ``device_kind`` measured, or the default."""
    samples = _samples(device_kind)
    nominal = sum(s["nominal"] for s in samples)
    if not samples or nominal <= 0:
        return default_calibration(device_kind)
    latest = max(s["finished"] for s in samples)
    speed = sum(s["epoch_s"] for s in samples) / nominal
    return Calibration(
        device_kind=device_kind,
        speed_factor=speed,
        overhead_s_per_mpx=statistics.median(
            max(0.0, s["wall"] - s["epoch_s"] - FOLD_SETUP_S - speed * s["held_out"])
            / max(s["mpx"], 1e-3)
            for s in samples
        ),
        parallel=_parallel(samples),
        folds=len(samples),
        source=(
            f"measured on the last {len(samples)} finished fold{'s' if len(samples) != 1 else ''} "
            f"here (latest {latest:%Y-%m-%d %H:%M})"
        ),
    )


def measured_device_kind() -> str | None:
    """The device kind of the latest fold a worker ran, if any: what the workers have."""
    latest = (
        FoldRun.objects.exclude(device="").order_by("-started_at", "-id").only("device").first()
    )
    return device_kind_of(latest.device) if latest else None


def estimate_device_kind() -> str:
    """Where folds will run: the setting, else where the last fold ran, else this process."""
    configured = getattr(settings, "TRAINING_ESTIMATE_DEVICE", "") or ""
    if configured in ("cpu", "cuda"):
        return configured
    measured = measured_device_kind()
    if measured:
        return measured
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def job_seconds(
    nominal_per_fold: list[float], calibration: Calibration, megapixels_per_fold: list[float]
) -> float:
    """Wall-clock seconds of a job whose folds take ``nominal_per_fold`` at benchmark speed
    (epochs and the held-out pass) and read and score ``megapixels_per_fold`` of native
    sections."""
    if not nominal_per_fold:
        return 0.0
    busy = sum(
        n * calibration.speed_factor + FOLD_SETUP_S + mpx * calibration.overhead_s_per_mpx
        for n, mpx in zip(nominal_per_fold, megapixels_per_fold, strict=True)
    )
    return busy / min(max(1.0, calibration.parallel), len(nominal_per_fold))


def assumptions(calibration: Calibration) -> str:
    """What an estimate assumes, in one sentence for the form."""
    where = "CPU workers" if calibration.device_kind == "cpu" else "one GPU per worker"
    return (
        f"Assumes {where} as fast as {calibration.source}: "
        f"{calibration.speed_factor:.1f}× the benchmark time per epoch, "
        f"{calibration.overhead_s_per_mpx:.1f} s per megapixel of a fold's sections to load "
        f"and score them, {FOLD_SETUP_S:g} s per fold to build and save the model, "
        f"{round(calibration.parallel, 1):g} fold{'s' if calibration.parallel >= 1.05 else ''} "
        "at a time. "
        "More load on the workers makes it longer."
    )


def long_run_warning(
    *, seconds: float, device_kind: str, config: TrainingConfig, sections: int
) -> str | None:
    """Why a launch should be confirmed, or None: hours of CPU time."""
    if device_kind != "cpu" or seconds < LONG_RUN_S:
        return None
    return (
        f"This job is estimated at {_duration(seconds)} on CPU workers (no worker here trains on "
        f"a GPU): {config.folds} folds × {config.epochs} epochs over {sections} "
        f"sections at {config.input_size} px is a lot of CPU work. Fewer epochs, a smaller input "
        "size or a worker with a GPU would shorten it. Confirm to launch it anyway."
    )


def _duration(seconds: float) -> str:
    if seconds < 5400:
        return f"≈ {seconds / 60:.0f} min"
    if seconds < 172800:
        return f"≈ {seconds / 3600:.1f} h"
    return f"≈ {seconds / 86400:.1f} days"
