"""Run-time estimate for the training launch form, from measured throughputs and FLOP counts."""

from __future__ import annotations

from ..nets import ALIASES, MODEL_NAMES

__all__ = ["REFERENCE_SIZE", "estimate_seconds", "throughput"]

# Convolution GFLOP (2 x multiply-adds) per 448 x 448 section, from torch's FLOP counter;
# OS-Net, Unet16 and Unet64 agree with docs/performance.md.
FORWARD_GFLOP_448: dict[str, float] = {
    "osnet": 32.43,
    "unet16": 20.92,
    "unet16_gcn": 32.43,
    "fusionnet": 42.20,
    "unet64": 334.02,
}
TRAIN_GFLOP_448: dict[str, float] = {
    "osnet": 97.24,
    "unet16": 62.72,
    "unet16_gcn": 97.24,
    "fusionnet": 126.53,
    "unet64": 1001.84,
}

# Measured with bench/train.py on the 2-core development CPU (AMD EPYC with AVX-512, torch 2.13,
# channels_last, the malloc settings of docs/performance.md, runs with little other load): training
# sections/s at batch 8, inference s/section at batch 1, both at 448 x 448. Unet16+GCN has
# OS-Net's layers and FLOPs and takes its figures. An AVX2-only CPU is about 2.5x slower
# (docs/performance.md: OS-Net 0.24 s/section, 0.88 training sections/s), so treat these as
# optimistic on other hosts.
CPU_TRAIN_SECTIONS_PER_S: dict[str, float] = {
    "osnet": 2.0,
    "unet16": 4.0,
    "unet16_gcn": 2.0,
    "fusionnet": 2.1,
    "unet64": 0.24,
}
CPU_INFER_S_PER_SECTION: dict[str, float] = {
    "osnet": 0.097,
    "unet16": 0.059,
    "unet16_gcn": 0.097,
    "fusionnet": 0.14,
    "unet64": 0.80,
}
# CUDA: docs/performance.md's realistic eager H100 estimate for OS-Net, scaled by training FLOPs for
# the other networks; inference is taken as 3x the training rate (forward only: 1/3 of the work).
GPU_OSNET_TRAIN_SECTIONS_PER_S = 830.0
REFERENCE_SIZE = 448


def _canonical(arch: str) -> str:
    if arch not in MODEL_NAMES:
        raise ValueError(f"unknown network {arch!r}; valid names: {', '.join(MODEL_NAMES)}")
    return ALIASES.get(arch, arch)


def throughput(arch: str, device_kind: str) -> tuple[float, float]:
    """``(training sections/s, inference sections/s)`` at 448 x 448 for ``device_kind``."""
    name = _canonical(arch)
    if device_kind == "cpu":
        return CPU_TRAIN_SECTIONS_PER_S[name], 1.0 / CPU_INFER_S_PER_SECTION[name]
    if device_kind == "cuda":
        train = GPU_OSNET_TRAIN_SECTIONS_PER_S * TRAIN_GFLOP_448["osnet"] / TRAIN_GFLOP_448[name]
        return train, 3.0 * train
    raise ValueError(f"unknown device kind {device_kind!r}; valid: 'cpu', 'cuda'")


def estimate_seconds(
    arch: str,
    n_train_sections: int,
    epochs: int,
    n_folds: int,
    input_size: int = REFERENCE_SIZE,
    device_kind: str = "cpu",
    *,
    augment_fraction: float = 0.3,
) -> float:
    """Rough wall-clock seconds for a cross-validated training run.

    ``n_train_sections`` is the number of training sections per fold. Each epoch trains on them
    plus ``augment_fraction`` augmented copies and evaluates the fold's validation sections
    (``n_train / (n_folds - 1)`` of them; a quarter of ``n_train`` for a single split). Cost
    scales with pixels, ``(input_size / 448) ** 2``.
    """
    if n_train_sections < 0 or epochs < 0 or input_size <= 0:
        raise ValueError("sizes and counts must be non-negative (input_size positive)")
    train_rate, infer_rate = throughput(arch, device_kind)
    folds = max(1, n_folds)
    n_val = n_train_sections / (folds - 1) if folds > 1 else 0.25 * n_train_sections
    per_epoch = n_train_sections * (1.0 + augment_fraction) / train_rate + n_val / infer_rate
    return folds * epochs * per_epoch * (input_size / REFERENCE_SIZE) ** 2
