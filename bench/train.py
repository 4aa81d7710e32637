"""Training and inference throughput of the segmentation networks at 448 x 448.

    python bench/train.py [--device cpu|cuda] [--archs osnet,unet16,...] [--batch N] [--quick]
                          [--compile] [--size 448]

CPU figures per network: ``NAME_cpu_infer_s_per_section`` (median batch-1 forward, no grad,
channels_last, after warm-up) and ``NAME_cpu_train_sections_per_s`` (batch 8 by default, a few
optimiser steps after a warm-up step). CUDA figures: ``NAME_gpu_train_sections_per_s`` (batch 32,
bf16 autocast, channels_last, optionally compiled) and ``NAME_gpu_infer_sections_per_s``
(batch 32). Inputs are random sections with random disk masks: throughput does not depend on
content.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, ensure_malloc_env, figure, median_ms

ensure_malloc_env()  # before torch allocates anything

sys.path.insert(0, str(REPO_ROOT))

import torch  # noqa: E402

from inference.ml.device import device_description, pick_device  # noqa: E402
from inference.ml.engine import (  # noqa: E402
    make_loss,
    make_optimizer,
    prepare_model,
    train_one_epoch,
)
from inference.ml.nets import ALIASES, MODEL_NAMES, create_model, model_info  # noqa: E402

DEFAULT_ARCHS = [n for n in MODEL_NAMES if n not in ALIASES]
HEAVY = {"unet64"}  # ~10x OS-Net's FLOPs: fewer repetitions on the CPU


def _random_batch(
    batch: int, size: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.randn((batch, 1, size, size), generator=generator)
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    centre = torch.randint(size // 4, 3 * size // 4, (batch, 2), generator=generator)
    r2 = (yy - centre[:, 0, None, None]) ** 2 + (xx - centre[:, 1, None, None]) ** 2
    y = (r2 < (size // 6) ** 2).float().unsqueeze(1)
    return x, y


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bench_infer(
    model: torch.nn.Module, device: torch.device, batch: int, size: int, repeat: int, warmup: int
) -> float:
    """Median seconds per forward call of ``batch`` sections."""
    model.eval()
    x = torch.randn((batch, 1, size, size)).to(device).contiguous(memory_format=torch.channels_last)
    autocast = device.type == "cuda"

    def run() -> None:
        with torch.inference_mode(), torch.autocast(device.type, torch.bfloat16, enabled=autocast):
            model(x)
        _sync(device)

    return median_ms(run, repeat=repeat, warmup=warmup) / 1000.0


def bench_train(
    model: torch.nn.Module, device: torch.device, batch: int, size: int, steps: int, warmup: int
) -> float:
    """Training sections per second over ``steps`` optimiser steps after ``warmup`` steps."""
    gen = torch.Generator().manual_seed(0)
    x, y = _random_batch(batch, size, gen)
    x, y = x.to(device), y.to(device)
    optimizer = make_optimizer(model)
    loss_fn = make_loss("bce")
    if warmup:
        train_one_epoch(model, [(x, y)] * warmup, optimizer, loss_fn, device=device, epoch=0)
    stats = train_one_epoch(model, [(x, y)] * steps, optimizer, loss_fn, device=device, epoch=1)
    return stats.sections_per_s


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--archs", default=",".join(DEFAULT_ARCHS), help="comma-separated names")
    parser.add_argument("--batch", type=int, default=None, help="training batch (cpu 8, cuda 32)")
    parser.add_argument("--size", type=int, default=448)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, batch 2 on CPU")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model (CUDA)")
    args = parser.parse_args()

    archs = [a.strip() for a in args.archs.split(",") if a.strip()]
    for arch in archs:
        if arch not in MODEL_NAMES:
            parser.error(f"unknown network {arch!r}; valid: {', '.join(MODEL_NAMES)}")
    device = pick_device(args.device)
    if device.type != args.device:
        parser.error(f"device {args.device} is not available here")
    on_gpu = device.type == "cuda"
    if on_gpu:
        torch.backends.cudnn.benchmark = True  # fixed shapes: let cuDNN pick the fastest kernels
    batch = args.batch or (32 if on_gpu else (2 if args.quick else 8))
    print(
        f"# device: {device_description(device)}; torch {torch.__version__}; size {args.size}; "
        f"train batch {batch}; compile {args.compile}",
        flush=True,
    )
    # Other processes on a small CPU skew timings; the load average lets a reader judge that.
    print(f"# load average before: {os.getloadavg()[0]:.2f}", flush=True)

    for arch in archs:
        heavy = arch in HEAVY and not on_gpu
        model = prepare_model(create_model(arch), device, compile=args.compile)
        info = model_info(arch)
        print(f"# {arch} ({info['label']}, {info['parameters']:,} parameters)", flush=True)
        if on_gpu:
            seconds = bench_infer(model, device, 32, args.size, repeat=20, warmup=5)
            figure(f"{arch}_gpu_infer_sections_per_s", 32 / seconds, "sections/s")
            rate = bench_train(model, device, batch, args.size, steps=20, warmup=5)
            figure(f"{arch}_gpu_train_sections_per_s", rate, "sections/s")
        else:
            # Medians over several calls: the CPU may be shared, and single calls spike.
            repeat = 3 if heavy or args.quick else 9
            seconds = bench_infer(model, device, 1, args.size, repeat=repeat, warmup=2)
            figure(f"{arch}_cpu_infer_s_per_section", seconds, "s")
            steps = 1 if heavy or args.quick else 3
            rate = bench_train(model, device, batch, args.size, steps=steps, warmup=1)
            figure(f"{arch}_cpu_train_sections_per_s", rate, "sections/s")
        del model
    print(f"# load average after: {os.getloadavg()[0]:.2f}", flush=True)
    aliases = [a for a in archs if a in ALIASES]
    for alias in aliases:
        print(f"# {alias} is the same module as {ALIASES[alias]}: its figures are that network's")


if __name__ == "__main__":
    main()
