"""Training and evaluation loops, checkpoints and run-time estimates.

Conventions shared by every loop here: the model and inputs use channels_last (never slower on
CPU, and the layout cuDNN's fast convolution kernels want); on CUDA the forward pass runs under
bf16 autocast while losses are computed in fp32 from the logits; metrics are accumulated on the
device and read back once, so an evaluation costs a single host synchronisation.
"""

from __future__ import annotations

import math
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .device import autocast_context, to_device
from .nets import ALIASES, MODEL_NAMES

__all__ = [
    "CHECKPOINT_FORMAT",
    "EpochStats",
    "EvalStats",
    "TrainingCancelled",
    "dice_bce_loss",
    "estimate_seconds",
    "evaluate",
    "load_checkpoint",
    "make_loss",
    "make_optimizer",
    "predict_probabilities",
    "prepare_model",
    "save_checkpoint",
    "seed_everything",
    "train_one_epoch",
]

LossFn = Callable[[Tensor, Tensor], Tensor]
CHECKPOINT_FORMAT = 1


class TrainingCancelled(Exception):
    """Raised by ``train_one_epoch`` when ``should_stop()`` turns true."""


@dataclass
class EpochStats:
    epoch: int
    loss: float
    sections: int
    seconds: float
    sections_per_s: float


@dataclass
class EvalStats:
    """Pooled over every pixel of every section at threshold 0.5 (the paper's definitions)."""

    loss: float
    dice: float
    jaccard: float
    f05: float
    precision: float
    recall: float


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch (all devices); returns a CPU generator for augmentation and
    sampling, so those draws do not depend on how many random numbers the model init consumed."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def prepare_model(model: nn.Module, device: torch.device, *, compile: bool = False) -> nn.Module:
    """Move to ``device`` in channels_last; optionally ``torch.compile`` it (worth it on CUDA,
    where fusing BatchNorm/ReLU/add saves memory traffic; off by default because compilation
    takes minutes and needs a compiler toolchain)."""
    model = model.to(device=device, memory_format=torch.channels_last)
    if compile:
        return torch.compile(model)  # type: ignore[return-value]
    return model


def _inputs(x: Tensor, device: torch.device) -> Tensor:
    return to_device(x, device).contiguous(memory_format=torch.channels_last)


# ---------------------------------------------------------------------------------------------
# Losses and optimiser


def dice_bce_loss(logits: Tensor, target: Tensor, smooth: float = 1.0) -> Tensor:
    """BCE plus soft Dice (pooled over the batch, so empty sections do not give 0/0)."""
    logits = logits.float()
    target = target.float()
    bce = F.binary_cross_entropy_with_logits(logits, target)
    prob = torch.sigmoid(logits)
    inter = (prob * target).sum()
    dice = (2.0 * inter + smooth) / (prob.sum() + target.sum() + smooth)
    return bce + (1.0 - dice)


def make_loss(name: Literal["bce", "dice_bce"]) -> LossFn:
    """``"bce"``: BCE with logits (the paper). ``"dice_bce"``: BCE + soft Dice (paper 001)."""
    if name == "bce":
        return nn.BCEWithLogitsLoss()
    if name == "dice_bce":
        return dice_bce_loss
    raise ValueError(f"unknown loss {name!r}; valid: 'bce', 'dice_bce'")


def make_optimizer(
    model: nn.Module, lr: float = 5e-4, betas: tuple[float, float] = (0.5, 0.999)
) -> torch.optim.Adam:
    """Adam with the paper's settings; the fused CUDA kernel when the parameters live there."""
    params = [p for p in model.parameters() if p.requires_grad]
    fused = bool(params) and all(p.device.type == "cuda" for p in params)
    return torch.optim.Adam(params, lr=lr, betas=betas, fused=fused or None)


# ---------------------------------------------------------------------------------------------
# Loops


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def train_one_epoch(
    model: nn.Module,
    batches: Iterable[tuple[Tensor, Tensor]],
    optimizer: torch.optim.Optimizer,
    loss_fn: LossFn,
    *,
    device: torch.device,
    epoch: int,
    n_batches: int | None = None,
    on_batch: Callable[[int, int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> EpochStats:
    """One pass over ``batches``; returns the section-weighted mean loss and throughput.

    ``should_stop()`` is checked before each batch and raises ``TrainingCancelled`` when true.
    ``on_batch(done, total, loss)`` is called after each batch with the 1-based batch count, the
    total (``n_batches``, else ``len(batches)``, else 0 for unknown) and that batch's loss; it
    costs one host synchronisation per batch on CUDA, negligible at batch 32.
    """
    model.train()
    total = (
        n_batches if n_batches is not None else (len(batches) if isinstance(batches, Sized) else 0)
    )
    loss_sum = torch.zeros((), device=device, dtype=torch.float64)
    sections = 0
    start = time.perf_counter()
    for i, (x, y) in enumerate(batches):
        if should_stop is not None and should_stop():
            raise TrainingCancelled(f"cancelled in epoch {epoch} before batch {i + 1}")
        x, y = _inputs(x, device), _inputs(y, device)
        with autocast_context(device):
            logits = model(x)
        loss = loss_fn(logits.float(), y.float())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        n = x.shape[0]
        sections += n
        loss_sum += loss.detach().double() * n
        if on_batch is not None:
            on_batch(i + 1, total, float(loss.detach()))
    _sync(device)
    seconds = time.perf_counter() - start
    mean_loss = float(loss_sum) / sections if sections else math.nan
    return EpochStats(
        epoch=epoch,
        loss=mean_loss,
        sections=sections,
        seconds=seconds,
        sections_per_s=sections / seconds if seconds > 0 else 0.0,
    )


def _ratio(num: float, den: float, empty: float) -> float:
    return num / den if den > 0 else empty


@torch.inference_mode()
def evaluate(
    model: nn.Module,
    batches: Iterable[tuple[Tensor, Tensor]],
    loss_fn: LossFn,
    *,
    device: torch.device,
    threshold: float = 0.5,
) -> EvalStats:
    """Loss and pooled pixel metrics (DICE, Jaccard, F0.5, precision, recall) at ``threshold``.

    Counts are accumulated on the device; 0/0 ratios (nothing predicted and nothing to find)
    count as perfect agreement (1.0).
    """
    model.eval()
    counts = torch.zeros(3, device=device, dtype=torch.float64)  # tp, fp, fn
    loss_sum = torch.zeros((), device=device, dtype=torch.float64)
    sections = 0
    for x, y in batches:
        x, y = _inputs(x, device), _inputs(y, device)
        with autocast_context(device):
            logits = model(x)
        logits = logits.float()
        y = y.float()
        n = x.shape[0]
        loss_sum += loss_fn(logits, y).double() * n
        pred = torch.sigmoid(logits) > threshold
        truth = y > 0.5
        tp = (pred & truth).sum()
        fp = (pred & ~truth).sum()
        fn = (~pred & truth).sum()
        counts += torch.stack([tp, fp, fn]).double()
        sections += n
    tp, fp, fn = counts.tolist()  # the one host synchronisation
    loss = float(loss_sum) / sections if sections else math.nan
    return EvalStats(
        loss=loss,
        dice=_ratio(2 * tp, 2 * tp + fp + fn, 1.0),
        jaccard=_ratio(tp, tp + fp + fn, 1.0),
        f05=_ratio(1.25 * tp, 1.25 * tp + fp + 0.25 * fn, 1.0),
        precision=_ratio(tp, tp + fp, 1.0 if fn == 0 else 0.0),
        recall=_ratio(tp, tp + fn, 1.0),
    )


@torch.no_grad()  # not inference_mode: callers may post-process the result in place
def predict_probabilities(
    model: nn.Module,
    images: Tensor,
    *,
    device: torch.device,
    batch_size: int = 32,
) -> Tensor:
    """Sigmoid probabilities (N, C, S, S) float32 on the CPU for normalised input sections."""
    if images.ndim != 4:
        raise ValueError(f"need (N, C, S, S) images, got {tuple(images.shape)}")
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    model.eval()
    outputs: list[Tensor] = []
    for start in range(0, images.shape[0], batch_size):
        x = _inputs(images[start : start + batch_size], device)
        with autocast_context(device):
            logits = model(x)
        outputs.append(torch.sigmoid(logits.float()).contiguous())
    if not outputs:
        return torch.empty((0, 1, *images.shape[-2:]), dtype=torch.float32)
    return torch.cat(outputs).cpu()  # one device-to-host copy at the end


# ---------------------------------------------------------------------------------------------
# Checkpoints


def _plain(value: Any) -> Any:
    """Convert NumPy/torch scalars and containers to plain Python, as ``weights_only`` loading
    accepts nothing else outside tensors."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Tensor) and value.ndim == 0:
        return value.item()
    return value


def _unwrap(model: nn.Module) -> nn.Module:
    return getattr(model, "_orig_mod", model)  # torch.compile wraps the module


def save_checkpoint(
    path: str | os.PathLike[str],
    *,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None,
    epoch: int,
    history: list[dict[str, Any]],
    extra: dict[str, Any],
) -> None:
    """Write a checkpoint atomically: a temporary file in the same directory, then
    ``os.replace``, so a crash or a concurrent reader never sees a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "format": CHECKPOINT_FORMAT,
        "model": _unwrap(model).state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "epoch": int(epoch),
        "history": _plain(history),
        "extra": _plain(extra),
    }
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(state, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def load_checkpoint(
    path: str | os.PathLike[str],
    *,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    map_location: str | torch.device = "cpu",
) -> dict[str, Any]:
    """Restore weights (and optimiser state if given); returns ``{"epoch", "history", "extra"}``.

    Loads with ``weights_only=True``: checkpoints can come from users, and unpickling arbitrary
    objects would execute code.
    """
    state = torch.load(Path(path), map_location=map_location, weights_only=True)
    if not isinstance(state, dict) or "model" not in state:
        raise ValueError(f"{path} is not a checkpoint written by save_checkpoint")
    _unwrap(model).load_state_dict(state["model"])
    if optimizer is not None:
        if state.get("optimizer") is None:
            raise ValueError(f"{path} holds no optimiser state")
        optimizer.load_state_dict(state["optimizer"])
    return {
        "epoch": int(state.get("epoch", 0)),
        "history": list(state.get("history") or []),
        "extra": dict(state.get("extra") or {}),
    }


# ---------------------------------------------------------------------------------------------
# Run-time estimate for the launch form

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
