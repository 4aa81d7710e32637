"""Tiled against whole-image inference time on the same 1,024² field, in the same process.

Predicts one normalised bright-field-like field with a registry network (eval mode, channels_last
as a loaded version is) twice: in one forward pass of the whole field, and through
``inference.ml.tiling.predict_tiled`` with tiles of at most ``--tile`` px overlapping by at least
``--overlap`` of it (default 448 px, the training input, and 25 %; ``tile_axis`` picks the fewest
tiles and shrinks them to the smallest multiple of the stride that keeps the overlap), batched
``--batch`` tiles per forward pass. After one warm-up of each, whole and tiled alternate
``--repeat`` times; prints the medians:

- ``tile_overhead_ratio``: tiled ÷ whole-image time, the median of the pairs' ratios (goal
  <= 1.3 at 25 % overlap);
- ``tile_pixel_ratio``: pixels the network sees when tiling ÷ pixels of the field (the ratio's
  floor: overlap and the ragged last tile are predicted twice);
- ``tiled_ms`` and ``whole_ms``;
- ``crop_sampler_ms``: the cost of drawing one training batch (``--batch-crops`` crops of
  ``--tile`` px, half of them centred on a nucleus) from native 1,536 x 2,048 fields with
  ``inference.ml.crops.NativeCropSampler``, on the host (``--crops-only`` prints just this one).

    .venv/bin/python bench/tiling.py [--size 1024] [--tile 448] [--overlap 0.25] [--network osnet]
        [--threads 1] [--repeat 3] [--device cpu|cuda] [--batch-crops 32] [--crops-only]

One torch thread by default: on a shared 2-core host more threads are slower (docs/performance.md).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import ensure_malloc_env, figure, median_ms  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--tile", type=int, default=448)
    parser.add_argument("--overlap", type=float, default=0.25, help="fraction of a tile")
    parser.add_argument("--network", default="osnet")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", type=int, default=4, help="tiles per forward pass")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-crops", type=int, default=32, help="crops per training batch")
    parser.add_argument("--crops-only", action="store_true", help="only crop_sampler_ms")
    args = parser.parse_args()
    ensure_malloc_env()

    import numpy as np
    import torch

    from inference.ml.crops import NativeCropSampler
    from inference.ml.data import normalise
    from inference.ml.engine import predict_probabilities, prepare_model
    from inference.ml.nets import create_model
    from inference.ml.tiling import network_stride, predict_tiled, tile_axis

    torch.set_num_threads(args.threads)
    # Four native fields with sparse disk-shaped nuclei; one epoch's draw is timed and divided
    # by the batches it fills.
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:1536, :2048]
    fields, masks = [], []
    for _ in range(4):
        mask = np.zeros((1536, 2048), dtype=bool)
        for cy, cx in rng.integers(0, (1536, 2048), (40, 2)):
            mask |= (yy - cy) ** 2 + (xx - cx) ** 2 < 20**2
        fields.append(normalise(rng.normal(1.0, 0.1, mask.shape) + 0.3 * mask, "brightfield")[None])
        masks.append(torch.from_numpy(mask).float()[None])
    del yy, xx
    sampler = NativeCropSampler(fields, masks, size=args.tile, foreground_fraction=0.5)
    generator = torch.Generator().manual_seed(0)
    epoch_ms = median_ms(lambda: sampler.sample(generator), repeat=args.repeat)
    figure("crop_sampler_ms", epoch_ms * args.batch_crops / len(sampler), "ms")
    if args.crops_only:
        return

    device = torch.device(args.device)
    torch.manual_seed(0)
    model = prepare_model(create_model(args.network).eval(), device)
    rng = np.random.default_rng(0)
    field = rng.normal(1.0, 0.1, (args.size, args.size)).astype(np.float32)
    x = normalise(field, "brightfield")[None, None]
    overlap = int(round(args.tile * args.overlap))
    stride = network_stride(model)

    def whole() -> None:
        predict_probabilities(model, x, device=device, batch_size=1)
        if device.type == "cuda":
            torch.cuda.synchronize()

    def tiled() -> None:
        predict_tiled(
            lambda t: predict_probabilities(model, t, device=device, batch_size=args.batch),
            x,
            tile=args.tile,
            overlap=overlap,
            stride=stride,
            batch_size=args.batch,
        )
        if device.type == "cuda":
            torch.cuda.synchronize()

    axis = tile_axis(args.size, args.tile, overlap, stride)
    tiles = len(axis.starts) ** 2
    print(
        f"{args.network} on {args.device}, {args.threads} thread(s): {args.size}² field, "
        f"{tiles} tiles of {axis.extent}² (at most {args.tile}²) overlapping by >= {overlap} px",
        flush=True,
    )
    # Whole and tiled alternate, one pair per repeat, so a change in the host's load between them
    # moves both; the ratio is the median of the pairs' ratios.
    whole(), tiled()
    pairs = [
        (median_ms(whole, repeat=1, warmup=0), median_ms(tiled, repeat=1, warmup=0))
        for _ in range(args.repeat)
    ]
    whole_ms = statistics.median(w for w, _ in pairs)
    tiled_ms = statistics.median(t for _, t in pairs)
    ratios = sorted(t / w for w, t in pairs)
    print(f"pair ratios (tiled ÷ whole): {', '.join(f'{r:.3f}' for r in ratios)}", flush=True)
    figure("whole_ms", whole_ms, "ms")
    figure("tiled_ms", tiled_ms, "ms")
    figure("tile_pixel_ratio", tiles * axis.extent**2 / args.size**2, "ratio")
    figure("tile_overhead_ratio", statistics.median(ratios), "ratio")


if __name__ == "__main__":
    main()
