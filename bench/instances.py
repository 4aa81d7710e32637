"""Label-class and instance figures (pure code, no server).

    python bench/instances.py

- ``instance_consensus_ms``: median :func:`annotations.consensus.instance_consensus` of 3
  annotators' instance maps of one crowded 448x448 field of 30 nuclei (target <= 20 ms);
- ``multilabel_staple_ms`` and ``plurality_vote_ms``: median consensus of 3 annotators'
  nucleus + cytoplasm class maps of 448x448.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, figure, median_ms

sys.path.insert(0, str(REPO_ROOT))

import numpy as np

from annotations.consensus import instance_consensus, multilabel_staple, plurality_vote
from annotations.demo.nuclei import annotator_instances


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


def main() -> None:
    bench_instance_consensus()
    bench_region_consensus()


if __name__ == "__main__":
    main()
