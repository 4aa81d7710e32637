"""In-silico labelling (paper 004) training throughput: OS-Net regressing the stain, L1 loss.

    python bench/isl.py [--device cpu|cuda] [--size 448] [--batch 4] [--steps 5] [--threads N]

Prints ``isl_cpu_train_sections_per_s`` (or ``isl_gpu_train_sections_per_s`` with
``--device cuda``): the median over ``--steps`` optimiser steps, after one warm-up step, of
sections per second, each step a forward, the L1 loss to the normalised stain, a backward and an
Adam step, through the same ``engine.train_one_epoch`` a fold runs. Inputs are synthetic
label-free/stain pairs (disk nuclei): throughput does not depend on content. Also prints
``isl_val_pcc_sections_per_s``, the validation pass (forward and PCC per section).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, ensure_malloc_env, figure

ensure_malloc_env()  # before torch allocates anything

sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from inference.ml import engine, isl  # noqa: E402
from inference.ml.data import iterate_batches  # noqa: E402
from inference.ml.device import device_description, pick_device  # noqa: E402
from inference.ml.nets import create_model  # noqa: E402


def _pairs(n: int, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:size, :size]
    images, stains = [], []
    for _ in range(n):
        cy, cx = rng.integers(size // 4, 3 * size // 4, 2)
        nucleus = (yy - cy) ** 2 + (xx - cx) ** 2 < (size // 6) ** 2
        images.append(1.337 + 0.01 * rng.standard_normal((size, size)) + 0.03 * nucleus)
        stains.append(100 + 900 * nucleus + rng.normal(0, 20, (size, size)))
    return isl.prepare_pairs(images, stains, input_size=size, modality="ri")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--size", type=int, default=448)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    x, y = _pairs(args.batch, args.size)
    x, y = x.to(device), y.to(device)
    engine.seed_everything(0)
    model = engine.prepare_model(create_model("osnet"), device)
    optimizer = engine.make_optimizer(model)
    print(
        f"# OS-Net in-silico labelling at {args.size} px, batch {args.batch}, {device_description(device)}"
    )

    rates = []
    for step in range(args.steps + 1):  # the first step warms up (allocations, kernels)
        started = time.perf_counter()
        engine.train_one_epoch(
            model,
            iterate_batches(x, y, torch.arange(args.batch), None, args.batch),
            optimizer,
            isl.l1_loss,
            device=device,
            epoch=step + 1,
        )
        engine.setup.synchronize(device)
        if step:
            rates.append(args.batch / (time.perf_counter() - started))
    kind = "gpu" if device.type == "cuda" else "cpu"
    figure(f"isl_{kind}_train_sections_per_s", statistics.median(rates), "sections/s")

    started = time.perf_counter()
    stats = isl.evaluate_stain(
        model, iterate_batches(x, y, torch.arange(args.batch), None, args.batch), device=device
    )
    figure(
        f"isl_{kind}_val_pcc_sections_per_s",
        args.batch / (time.perf_counter() - started),
        "sections/s",
    )
    print(f"# validation PCC after {args.steps + 1} steps: {stats.pcc:.3f}")


if __name__ == "__main__":
    main()
