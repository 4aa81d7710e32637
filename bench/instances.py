"""Label-class and instance figures (pure code, no server).

    python bench/instances.py

- ``instance_consensus_ms``: median :func:`annotations.consensus.instance_consensus` of 3
  annotators' instance maps of one crowded 448x448 field of 30 nuclei (target <= 20 ms);
- ``multilabel_staple_ms`` and ``plurality_vote_ms``: median consensus of 3 annotators'
  nucleus + cytoplasm class maps of 448x448;
- ``touching_nuclei_map_distance_head``, ``touching_nuclei_map_components`` and
  ``touching_nuclei_map_components_of_truth``: mean mAP (IoU 0.50:0.05:0.95, mean over 32 test
  fields of 64x64 with 6 nuclei, many touching) of Unet16 with a distance head trained for 200
  steps on 64 such fields: nuclei split by h-maxima watershed on the predicted distance, against
  connected components of the same predicted foreground and of the true foreground.
  ``--skip-training`` leaves these out (about a minute of CPU).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, ensure_malloc_env, figure, median_ms

sys.path.insert(0, str(REPO_ROOT))
ensure_malloc_env()  # before torch allocates anything

import numpy as np  # noqa: E402
import torch  # noqa: E402

from annotations.consensus import instance_consensus, multilabel_staple, plurality_vote  # noqa: E402
from annotations.demo.nuclei import annotator_instances, nuclei_samples  # noqa: E402
from inference.ml.engine import make_optimizer, prepare_model, seed_everything, train_one_epoch  # noqa: E402
from inference.ml.heads import HeadLayout, create_model_with_heads  # noqa: E402
from inference.ml.instances import distance_target, distance_to_instances  # noqa: E402
from inference.ml.losses import HeadLoss, pack_targets  # noqa: E402
from inference.ml.objects import label_instances, mean_average_precision  # noqa: E402


def bench_instance_consensus() -> None:
    fields = [annotator_instances(seed, n_annotators=3, n_nuclei=30) for seed in range(10)]
    times = [median_ms(lambda maps=maps: instance_consensus(maps), repeat=5) for maps in fields]
    figure("instance_consensus_ms", float(np.median(times)), "ms")


def _cell_class_maps() -> list[np.ndarray]:
    """Cytoplasm (2) around each jittered nucleus (1): 3 annotators' class maps of a field."""
    from scipy import ndimage as ndi

    maps = []
    for instances in annotator_instances(7, n_annotators=3, n_nuclei=30):
        nuclei = instances > 0
        cells = ndi.binary_dilation(nuclei, iterations=6)
        maps.append(np.where(nuclei, 1, np.where(cells, 2, 0)).astype(np.uint8))
    return maps


def bench_region_consensus() -> None:
    maps = _cell_class_maps()
    figure("plurality_vote_ms", median_ms(lambda: plurality_vote(maps), repeat=20), "ms")
    figure("multilabel_staple_ms", median_ms(lambda: multilabel_staple(maps), repeat=5), "ms")


def _train_distance_head(steps: int) -> torch.nn.Module:
    generator = seed_everything(0)
    images, fields = nuclei_samples(range(64))
    layout = HeadLayout(1, "distance")
    model = prepare_model(create_model_with_heads("unet16", layout), torch.device("cpu"))
    optimizer = make_optimizer(model, lr=2e-3)
    inputs = torch.from_numpy(images)
    targets = pack_targets(fields > 0, np.stack([distance_target(f) for f in fields]))
    for epoch in range(steps // 8):
        order = torch.randperm(64, generator=generator).split(8)
        batches = [(inputs[index], targets[index]) for index in order]
        train_one_epoch(
            model, batches, optimizer, HeadLoss(layout), device=torch.device("cpu"), epoch=epoch
        )
    return model.eval()


def bench_touching_nuclei(steps: int = 200) -> None:
    # Accuracy figures, not timings: one thread keeps a shared 2-core machine responsive.
    torch.set_num_threads(1)
    model = _train_distance_head(steps)
    images, fields = nuclei_samples(range(1000, 1032))
    layout = HeadLayout(1, "distance")
    with torch.no_grad():
        output = model(torch.from_numpy(images))
    foreground = layout.predict_classes(output).numpy() > 0
    distance = layout.split(output)[1].numpy()
    scores = {
        "touching_nuclei_map_distance_head": [
            mean_average_precision(distance_to_instances(d, f), t)
            for d, f, t in zip(distance, foreground, fields)
        ],
        "touching_nuclei_map_components": [
            mean_average_precision(label_instances(f), t) for f, t in zip(foreground, fields)
        ],
        "touching_nuclei_map_components_of_truth": [
            mean_average_precision(label_instances(t > 0), t) for t in fields
        ],
    }
    for name, values in scores.items():
        figure(name, float(np.mean(values)), "mAP")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()
    bench_instance_consensus()
    bench_region_consensus()
    if not args.skip_training:
        bench_touching_nuclei()


if __name__ == "__main__":
    main()
