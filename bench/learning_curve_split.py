"""The held-out mAP a learning curve gives a perfect binary prediction of crowded nuclei, with and
without "Separate touching predicted nuclei" (``LearningCurveConfig.split_touching``); the
evaluation's numbers of the same field are bench/evaluation_split.py's. No database rows are
touched.

python bench/learning_curve_split.py

The field: 40 nuclei on 448×448, most leaning on a neighbour (``annotations/demo/nuclei.py``),
their own ids the true nuclei (an expert's instance map), resized to the curve's input as its
held-out masks are. The "network" predicts the true mask exactly (logits = mask − 0.5), so any
mAP below 1 is the numbering's, not the network's.

- ``lc_map_perfect_<size>px_split`` / ``_components``: ``runner.held_out_scores`` at input 448,
  128 and 64 px (nuclei about 15, 4 and 2 px in radius: the watershed's h = 2 px neck is in
  input pixels, so the smaller the input, the fewer touching nuclei it can tell apart).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench._common import figure, setup_django
from bench.evaluation_split import N_NUCLEI, SEED  # the same field


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        setup_django(Path(workdir), os.environ.get("DATABASE_URL", "postgres://127.0.0.1/unused"))
        import torch

        from annotations.demo.nuclei import SECTION_SIZE, nuclei_disks, paint_disks
        from inference.ml.data import resize_masks
        from inference.services.learning_curve.runner import held_out_scores

        class ExactLogits(torch.nn.Module):
            def forward(self, x):
                return x - 0.5

        field = paint_disks(nuclei_disks(SEED, n_nuclei=N_NUCLEI, touching=0.9), SECTION_SIZE)
        for size in (448, 128, 64):
            ids = resize_masks(torch.from_numpy(field.astype(np.float32))[None, None], size)
            mask = (ids > 0).float()
            for split, name in ((True, "split"), (False, "components")):
                scores = held_out_scores(
                    ExactLogits(),
                    mask,
                    mask,
                    device=torch.device("cpu"),
                    batch_size=1,
                    instances=[ids[0, 0].numpy().astype(np.int32)],
                    split_touching=split,
                )
                figure(f"lc_map_perfect_{size}px_{name}", round(scores["map"], 3), "")


if __name__ == "__main__":
    main()
