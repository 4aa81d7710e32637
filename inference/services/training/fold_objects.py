"""The nuclei of a fold's held-out sections: object precision, recall and F1 at IoU > 0.5 and the
mAP, numbered and matched as an evaluation does (``evaluation/labels.py``).

The network's activated output of each held-out section is brought to the section's native grid
(resized back as a prediction is, or already native with native crops) and numbered by the
evaluation's own functions: an instance head gives its instances (``head_section_labels``); a
binary network, or classes without an instance head, the watershed split of each instance
class's components (``component_labels`` with ``split_touching``, the evaluation's default). The
ground truth is numbered by ``truth_labels`` (stored ids, the watershed of a fluorescence mask,
else connected components). Nuclei are matched one-to-one within each section and class
(``objects.PooledObjects``) and the counts pooled over the fold's sections, one pool per instance
class, so the fold's numbers of a class are those an evaluation of its held-out specimens would
pool for it. With several instance classes each class's numbers are under ``per_class`` (named),
and the fold's headline numbers are their mean over the classes (every class counts alike, as the
pixel metrics' headline); with one they are that class's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from inference.class_target import class_target
from inference.ml import engine
from inference.ml.data import resize_images
from inference.ml.label_output import activate_tensor
from inference.ml.objects import F1_IOU, PooledObjects, class_map_score
from inference.models import FoldRun
from inference.output_classes import OutputClasses
from inference.services.evaluation.labels import (
    SectionLabels,
    component_labels,
    head_section_labels,
    stored_truths,
)
from inference.services.training.config import TrainingConfig
from inference.services.training.fold_data import fold_entries
from inference.services.training.heads import head_fold_outputs

__all__ = ["FOLD_AGGREGATION", "OBJECT_KEYS", "fold_objects", "head_outputs"]

THRESHOLD = 0.5
OBJECT_KEYS = ("precision_iou50", "recall_iou50", "f1_iou50", "map")
FOLD_AGGREGATION = (
    "each fold: nuclei matched one-to-one (Hungarian on IoU) within each held-out section on its "
    "native grid, counts pooled over the fold's held-out sections"
)
CLASSES_AGGREGATION = (
    "; per instance class, the headline numbers being the mean over the instance classes (those "
    "where the number is defined)"
)
COUNT_KEYS = ("n_gt", "n_pred", "tp_iou50")


def head_outputs(trained, cfg: TrainingConfig, device) -> list[np.ndarray]:
    """Activated outputs (C, h, w) of a network with heads on each held-out section."""
    layout = cfg.layout()
    if isinstance(trained.val_x, list):
        return [
            activate_tensor(
                engine.field_logits(
                    trained.model, x, tile=trained.tile, device=device, batch_size=cfg.batch_size
                )[None],
                layout,
            )[0].numpy()
            for x in trained.val_x
        ]
    outputs = engine.predict_probabilities(
        trained.model,
        trained.val_x,
        device=device,
        batch_size=cfg.batch_size,
        activation=lambda logits: activate_tensor(logits, layout),
    )
    return list(outputs.numpy())


def _native(output: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    if tuple(output.shape[-2:]) == tuple(shape):
        return output
    at_input = torch.from_numpy(np.ascontiguousarray(output, dtype=np.float32))[None]
    return resize_images(at_input, tuple(shape))[0].numpy()


def _numbered(output: np.ndarray, classes: OutputClasses | None, values: list[int]):
    if classes is not None:  # several classes or an instance head
        return head_section_labels(
            output, classes.layout, classes.values, values, THRESHOLD, split_touching=True
        )
    class_map = (output[0] > THRESHOLD).astype(np.uint8) * np.uint8(values[0])
    return component_labels(class_map, values, split_touching=True)


def pooled_fold_objects(
    predicted: Sequence[SectionLabels],
    truths: Sequence[SectionLabels],
    values: Sequence[int],
    names: dict[int, str] | None = None,
) -> dict[str, Any]:
    """The pooled object numbers of sections' predicted and true labels, one pool per class of
    ``values`` (named by ``names``), and how each side's instances were numbered."""
    pools = {value: PooledObjects() for value in values}
    for pred, truth in zip(predicted, truths, strict=True):
        for value in values:
            pools[value].add(pred.of_class(value), truth.of_class(value))
    per_class = [
        {
            "value": int(value),
            "name": (names or {}).get(value, str(value)),
            **{key: scores[key] for key in (*OBJECT_KEYS, *COUNT_KEYS)},
            "map": class_map_score(scores),
        }
        for value, scores in ((v, pools[v].scores()) for v in values)
    ]
    several = len(per_class) > 1
    return {
        **{key: _mean_over_classes([c[key] for c in per_class]) for key in OBJECT_KEYS},
        **{key: sum(c[key] for c in per_class) for key in COUNT_KEYS},
        "iou": F1_IOU,
        "sections": len(predicted),
        "pred_instances": ", ".join(sorted({p.numbered_by for p in predicted})),
        "gt_instances": ", ".join(sorted({t.numbered_by for t in truths})),
        "aggregation": FOLD_AGGREGATION + (CLASSES_AGGREGATION if several else ""),
        **({"per_class": per_class} if several else {}),
    }


def _mean_over_classes(values: list[float | None]) -> float | None:
    """The mean over the classes whose number is defined (a class with no predicted nucleus has
    no precision); None when no class has one."""
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def fold_objects(
    outputs: Sequence[np.ndarray], fold: FoldRun, cfg: TrainingConfig
) -> dict[str, Any] | None:
    """The fold's object numbers from the activated outputs (C, h, w) of its held-out sections
    (``fold_entries`` order); None when the network outputs no instance class."""
    classes = head_fold_outputs(fold, cfg) if cfg.heads else None
    if classes is not None:
        values = classes.instance_values
        names = {int(c["value"]): str(c["name"]) for c in classes.classes}
    else:
        target = class_target(fold.job.project, value=cfg.target_value)
        values, names = [target.value], {target.value: target.name}
    if not values or not outputs:
        return None
    entries = fold_entries(fold)[1]
    truths = stored_truths(entries, source=fold.job.snapshot.source, instance_values=values)
    predicted = [
        _numbered(_native(output, truth.class_map.shape), classes, values)
        for output, truth in zip(outputs, truths, strict=True)
    ]
    return pooled_fold_objects(predicted, truths, values, names)
