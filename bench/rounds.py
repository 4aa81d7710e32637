"""The compute of one retrain round's fine-tune: a parent's weights trained on further sections.

    python bench/rounds.py [--device cpu|cuda] [--arch osnet] [--sections 64] [--size 128]
                           [--epochs 5] [--batch 32]

``retrain_round_cpu_s`` (``_gpu_s`` with ``--device cuda``): wall time of one model fine-tuned
from a parent's weights for 5 epochs on 64 sections at 128 px, with the fold trainer's own steps
(the paper's augmentation of a random 30 % each epoch, Adam 5e-4, BCE, batch 32), and the scoring
of 16 held-out sections at the end. Sections are synthetic (a disk-shaped nucleus in noise): the
compute does not depend on content. A round trains its k cross-validation folds and the final
model this way, one after another on one worker, so a whole round takes about (k + 1) times the
figure plus loading sections and the evaluation's 3D work (docs/rounds.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, ensure_malloc_env, figure

ensure_malloc_env()  # before torch allocates anything

sys.path.insert(0, str(REPO_ROOT))

import torch  # noqa: E402

from inference.ml import engine  # noqa: E402
from inference.ml.augment import AugmentConfig, epoch_indices  # noqa: E402
from inference.ml.data import iterate_batches  # noqa: E402
from inference.ml.device import device_description, pick_device  # noqa: E402
from inference.ml.nets import MODEL_NAMES, create_model  # noqa: E402

HELD_OUT = 16


def synthetic_sections(n: int, size: int, generator: torch.Generator):
    """(images, masks) of shape (n, 1, size, size): a brighter disk in noise per section."""
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    centre = torch.randint(size // 3, 2 * size // 3, (n, 2), generator=generator)
    radius = torch.randint(size // 8, size // 4, (n,), generator=generator)
    r2 = (yy - centre[:, 0, None, None]) ** 2 + (xx - centre[:, 1, None, None]) ** 2
    masks = (r2 < radius[:, None, None] ** 2).float().unsqueeze(1)
    images = torch.randn((n, 1, size, size), generator=generator) * 0.5 + masks
    return images, masks


def fine_tune_round(args, device: torch.device) -> float:
    generator = engine.seed_everything(0)
    parent = create_model(args.arch).state_dict()  # stands for the active version's weights
    train_x, train_y = synthetic_sections(args.sections, args.size, generator)
    val_x, val_y = synthetic_sections(HELD_OUT, args.size, generator)
    if device.type == "cuda":
        train_x, train_y = train_x.to(device), train_y.to(device)
        val_x, val_y = val_x.to(device), val_y.to(device)
    augment = AugmentConfig()
    started = time.perf_counter()
    network = create_model(args.arch)
    network.load_state_dict(parent)
    model = engine.prepare_model(network, device)
    optimizer = engine.make_optimizer(model)
    loss_fn = engine.make_loss("bce")
    for epoch in range(args.epochs):
        indices, flags = epoch_indices(train_x.shape[0], augment, generator)
        batches = iterate_batches(
            train_x, train_y, indices, flags, args.batch, augment, generator, device=device
        )
        stats = engine.train_one_epoch(
            model, batches, optimizer, loss_fn, device=device, epoch=epoch
        )
        print(f"# epoch {epoch + 1}: loss {stats.loss:.4f}", flush=True)
    held_out = iterate_batches(val_x, val_y, torch.arange(HELD_OUT), None, args.batch)
    scored = engine.evaluate(model, held_out, loss_fn, device=device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - started
    print(f"# held-out Dice {scored.dice:.4f} (synthetic sections)", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--arch", default="osnet", choices=MODEL_NAMES)
    parser.add_argument("--sections", type=int, default=64)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    device = pick_device(args.device)
    if device.type != args.device:
        parser.error(f"device {args.device} is not available here")
    print(
        f"# device: {device_description(device)}; torch {torch.__version__}; "
        f"threads {torch.get_num_threads()}; {args.arch}, {args.sections} sections at "
        f"{args.size} px, {args.epochs} epochs, batch {args.batch}",
        flush=True,
    )
    print(f"# load average before: {os.getloadavg()[0]:.2f}", flush=True)
    seconds = fine_tune_round(args, device)
    name = "retrain_round_cpu_s" if device.type == "cpu" else "retrain_round_gpu_s"
    figure(name, seconds, "s")
    print(f"# load average after: {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
