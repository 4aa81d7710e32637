"""Object metrics of an evaluation on real instances (pure code, no server).

python bench/evaluation_objects.py

- ``evaluation_objects_section_ms``: matching one 448x448 section of 30 nuclei (another
  annotator's instances as the prediction) and adding it to the pooled numbers;
- ``map_perfect_prediction_stored_instances`` / ``..._connected_components``: mAP of a perfect
  prediction of a crowded field (125 nuclei, many touching) when both sides keep their instance
  ids, and when the true mask is numbered by connected components as evaluation did before.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from annotations.demo.nuclei import annotator_instances, nuclei_field
from bench._common import figure, median_ms
from inference.ml.objects import PooledObjects, label_instances


def main() -> None:
    first, second = annotator_instances(7, 2)[:2]
    pooled = PooledObjects()
    figure("evaluation_objects_section_ms", median_ms(lambda: pooled.add(second, first)), "ms")

    field = nuclei_field(11, n_nuclei=125)
    stored, components = PooledObjects(), PooledObjects()
    stored.add(field, field)
    components.add(field, label_instances(field > 0).astype(np.int32))
    figure("map_perfect_prediction_stored_instances", round(stored.scores()["map"], 3), "")
    figure("map_perfect_prediction_connected_components", round(components.scores()["map"], 3), "")


if __name__ == "__main__":
    main()
