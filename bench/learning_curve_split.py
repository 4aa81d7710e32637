"""The held-out mAP a learning curve gives a perfect binary prediction of crowded nuclei, with and
without "Separate touching predicted nuclei" (``LearningCurveConfig.split_touching``); the
evaluation's numbers of the same field are bench/evaluation_split.py's. No database rows are
touched.

python bench/learning_curve_split.py

The field: 40 nuclei on 448×448, most leaning on a neighbour (``annotations/demo/nuclei.py``),
their own ids the true nuclei (an expert's instance map) at the section's native 448 px. The
"network" is fed the field's mask resized to the curve's input as its held-out masks are and
predicts it exactly (logits = mask − 0.5); the curve resizes that prediction back to 448 px before
numbering it, as an evaluation does. Any mAP below 1 is the numbering's or the input's
resolution's, not the network's.

- ``lc_map_perfect_<size>px_split`` / ``_components``: ``runner.held_out_scores`` at input 448,
  128 and 64 px (nuclei about 15, 4 and 2 px in radius at the input).
- ``lc_ap50_perfect_<size>px_split``: TP / (TP + FP + FN) at IoU > 0.5 alone, of the same
  prediction (``instances.predicted_nuclei``): whether each nucleus is found and told apart
  from its neighbours, whatever its boundary's precision.
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
        from inference.ml.objects.precision import average_precision
        from inference.services.learning_curve.instances import predicted_nuclei
        from inference.services.learning_curve.runner import held_out_scores

        class ExactLogits(torch.nn.Module):
            def forward(self, x):
                return x - 0.5

        field = paint_disks(nuclei_disks(SEED, n_nuclei=N_NUCLEI, touching=0.9), SECTION_SIZE)
        truth = field.astype(np.int32)
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
                    truths=[truth],
                    split_touching=split,
                )
                figure(f"lc_map_perfect_{size}px_{name}", round(scores["map"], 3), "")
            probability = torch.sigmoid(mask[0, 0] - 0.5).numpy()
            nuclei = predicted_nuclei(probability, truth.shape, threshold=0.5, split_touching=True)
            found = average_precision(nuclei, truth, [0.5])[0]
            figure(f"lc_ap50_perfect_{size}px_split", round(float(found), 3), "")


if __name__ == "__main__":
    main()
