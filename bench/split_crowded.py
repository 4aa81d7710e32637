"""Counting nuclei on crowded fields: the split of touching nuclei as it was (h-maxima seeds of
the distance transform, h = 2 px) against the split as it is (h = 1 px, wide necks merged), and
with the stain (cuts at the dimmer boundary of pressed nuclei too), in one process.

    python bench/split_crowded.py [--seeds 2]

Fields of 1040 x 1392 px, phase + Hoechst widefield scale (``tests/helpers_crowded_fields.py``):
elongated nuclei lying across each other (41 drawn), and nuclei pressed flat against each other
at 70 % coverage (radius 15-45 px); both with border-cut nuclei, chromatin texture, haze and
noise. The split runs on the true union of the nuclei (``_truth``) and on the mask the
fluorescence ground truth derives from the stain (``_derived``, border nuclei kept). Object F1:
one-to-one pairs at IoU > 0.5 against the known instances, 2 TP / (known + found).

- ``<field>_known``: nuclei drawn; ``<field>_<mask>_found_<before|after|stain>``: nuclei the
  split counts, summed over the seeds; ``<field>_<mask>_f1_<...>``: the mean object F1;
- ``demo_disks_f1_<before|after>``: the crowded demo field of ``bench/evaluation_split.py``
  (40 round nuclei, most leaning on one another), F1 of the split against the true disks;
- ``volume_<before|after>_found``: the 3D anisotropic volume of ``bench/split_touching.py``
  (260 ellipsoids, z twice the xy pitch);
- ``split_<before|after|stain>_ms``: median time of one pressed field's split.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, ensure_malloc_env, figure, median_ms

ensure_malloc_env()

sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
from scipy.optimize import linear_sum_assignment  # noqa: E402

from inference.ml.fluorescence import FluorescenceGTParams, fluorescence_ground_truth  # noqa: E402
from inference.ml.objects import label_instances  # noqa: E402
from inference.ml.objects.overlap import iou_matrix  # noqa: E402
from tests.helpers_crowded_fields import elongated_field, pressed_field  # noqa: E402

SHAPE = (1040, 1392)
SCALE = 2.5  # nuclei 2.5 times the tests' size: 15-45 px in radius, as at 20x on this camera


def before(mask, stain=None):
    return label_instances(mask, split_touching=True, h=2.0, neck_ratio=None)


def after(mask, stain=None):
    return label_instances(mask, split_touching=True)


def with_stain(mask, stain):
    return label_instances(mask, split_touching=True, stain=stain)


SPLITS = {"before": before, "after": after, "stain": with_stain}


def object_f1(found: np.ndarray, known: np.ndarray) -> float:
    iou = iou_matrix(found, known)
    if iou.size == 0:
        return float(found.max() == known.max())
    rows, cols = linear_sum_assignment(-iou)
    pairs = int((iou[rows, cols] > 0.5).sum())
    return 2 * pairs / (int(found.max()) + int(known.max()))


def derived_mask(stain: np.ndarray) -> np.ndarray:
    params = FluorescenceGTParams(remove_border=False)
    return fluorescence_ground_truth(stain, params)[0]


def fields(seeds: int):
    for seed in range(1, seeds + 1):
        yield "elongated", elongated_field(SHAPE, nuclei=41, scale=SCALE, seed=seed)
        yield "pressed", pressed_field(SHAPE, scale=SCALE, seed=seed)


def crowded_fields(seeds: int) -> None:
    found: dict[str, int] = {}
    scores: dict[str, list[float]] = {}
    known: dict[str, int] = {}
    for kind, field in fields(seeds):
        known[kind] = known.get(kind, 0) + field.count
        for mask_name, mask in (("truth", field.mask), ("derived", derived_mask(field.stain))):
            for name, split in SPLITS.items():
                labels = split(mask, field.stain)
                key = f"{kind}_{mask_name}_{{}}_{name}"
                found[key] = found.get(key, 0) + int(labels.max())
                scores.setdefault(key, []).append(object_f1(labels, field.instances))
    for kind, count in known.items():
        figure(f"{kind}_known", count, "nuclei")
    for key, count in found.items():
        figure(key.format("found"), count, "nuclei")
        figure(key.format("f1"), round(float(np.mean(scores[key])), 3), "")


def demo_disks() -> None:
    from annotations.demo.nuclei import SECTION_SIZE, nuclei_disks, paint_disks

    disks = paint_disks(nuclei_disks(3, n_nuclei=40, touching=0.9), SECTION_SIZE)
    for name in ("before", "after"):
        figure(f"demo_disks_f1_{name}", round(object_f1(SPLITS[name](disks > 0), disks), 3), "")


def volume() -> None:
    from split_touching import SPACING, crowded_volume

    mask = crowded_volume(np.random.default_rng(5))
    old = label_instances(mask, split_touching=True, h=2.0, spacing=SPACING, neck_ratio=None)
    figure("volume_before_found", int(old.max()), "nuclei")
    new = label_instances(mask, split_touching=True, spacing=SPACING)
    figure("volume_after_found", int(new.max()), "nuclei")


def timings() -> None:
    field = pressed_field(SHAPE, scale=SCALE, seed=1)
    for name, split in SPLITS.items():
        run = functools.partial(split, field.mask, field.stain)
        figure(f"split_{name}_ms", round(median_ms(run, 3), 1), "ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    crowded_fields(args.seeds)
    demo_disks()
    volume()
    timings()


if __name__ == "__main__":
    main()
