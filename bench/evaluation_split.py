"""Object F1 of a perfect binary prediction of a crowded field, with and without "Separate
touching predicted nuclei" (``Evaluation.split_touching``). No database rows are touched.

python bench/evaluation_split.py

The field: 40 nuclei on 448×448, most leaning on a neighbour (``annotations/demo/nuclei.py``).
The prediction is the field's binary mask, every pixel right, numbered as an evaluation numbers
a binary version or a baseline (``binary_prediction``); objects are scored by the evaluation's
own ``class_objects``: object F1 = 2·TP / (GT + predicted), TP one-to-one pairs at IoU ≥ 0.7
(``object_f1_*``, the correct detections) and at IoU > 0.5 (``object_f1_iou50_*``).

- ``split_bench_nuclei``, ``split_bench_touching_nuclei``: nuclei, and those touching another;
- ``object_f1_fluorescence_gt_split`` / ``_components``: against fluorescence ground truth (the
  mask stored as a binary stain mask, split by the watershed of its distance transform);
- ``object_f1_true_ids_split`` / ``_components``: against the nuclei's own ids (an expert's
  instance map), where the watershed's cut can differ from the true boundary;
- ``object_f1_iou50_<truth>_<split|components>``: the same at IoU > 0.5;
- ``split_prediction_ms`` / ``components_prediction_ms``: numbering the one section.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench._common import figure, median_ms, setup_django

N_NUCLEI = 40
SEED = 3


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        setup_django(Path(workdir), os.environ.get("DATABASE_URL", "postgres://127.0.0.1/unused"))
        from scipy import ndimage as ndi

        from annotations.demo.nuclei import SECTION_SIZE, nuclei_disks, paint_disks
        from annotations.imaging.masks import encode_mask
        from inference.services.evaluation.labels import (
            STORED,
            SectionLabels,
            binary_prediction,
            truth_labels,
        )
        from inference.services.evaluation.volume_numbers import class_objects

        field = paint_disks(nuclei_disks(SEED, n_nuclei=N_NUCLEI, touching=0.9), SECTION_SIZE)
        mask = field > 0
        blobs = ndi.label(mask)[0]
        per_blob = np.bincount(
            [int(np.bincount(blobs[field == i]).argmax()) for i in range(1, field.max() + 1)]
        )
        figure("split_bench_nuclei", int(field.max()), "")
        figure("split_bench_touching_nuclei", int(per_blob[per_blob > 1].sum()), "")

        shape = mask.shape
        truths = {
            "fluorescence_gt": truth_labels(encode_mask(mask), "fluorescence", [1], [1], shape),
            "true_ids": SectionLabels(
                mask.astype(np.uint8),
                field.astype(np.int32),
                dict.fromkeys(range(1, int(field.max()) + 1), 1),
                STORED,
            ),
        }
        for split, name in ((True, "split"), (False, "components")):
            predicted = binary_prediction(mask[None], 1, [0], [1], split_touching=split)
            for truth_name, truth in truths.items():
                numbers = class_objects(predicted.sections, [truth], 1)
                figure(f"object_f1_{truth_name}_{name}", round(numbers["f1_iou70"], 3), "")
                figure(f"object_f1_iou50_{truth_name}_{name}", round(numbers["f1_iou50"], 3), "")
            figure(
                f"{name}_prediction_ms",
                median_ms(
                    lambda s=split: binary_prediction(mask[None], 1, [0], [1], split_touching=s)
                ),
                "ms",
            )


if __name__ == "__main__":
    main()
