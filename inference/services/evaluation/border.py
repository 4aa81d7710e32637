"""Nuclei cut by a section's border, scored under the rule its ground truth was made by.

Fluorescence ground truth derived with ``remove_border`` (the default) holds no nucleus that
touches the section's border (docs/fluorescence.md): such a nucleus is cut, so the stain cannot
say its shape. Scored as it is, every nucleus a method finds there would be a false positive, and
a perfect segmentation of a crowded field would lose precision for the nuclei the field's edge
cuts. So in those sections a prediction obeys the same rule: its nuclei are split as the ground
truth's are (``border_nuclei``: the watershed of the distance transform), and those touching
the border are removed from its class map, instances and scores before anything is scored. A
mask a reviewer corrected is the reviewer's word and is scored as it is.

A stain shifted onto its label-free image (``inference/ml/stain_shift.py``) leaves a band that
nothing imaged: its ground truth records the part it covers (``params["imaged_box"]``). The
prediction is scored inside that box only, and the box's edge is the border of the rule above,
as a stain that stops short of a tomogram's sections gives those sections no ground truth.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from annotations.models import GroundTruth, GroundTruthSource
from inference.ml.fluorescence import border_nuclei
from inference.services.evaluation.labels import Prediction


def border_rule(truth: GroundTruth) -> bool:
    """Whether the ground truth left out the nuclei touching its section's border."""
    params = truth.params or {}
    return (
        truth.source == GroundTruthSource.FLUORESCENCE
        and bool(params.get("remove_border"))
        and "edited_from_version" not in params
    )


def imaged_region(truth: GroundTruth) -> tuple[slice, slice] | None:
    """The part of the section a shifted stain covers (``params["imaged_box"]``), or None where
    it covers all of it or a reviewer corrected the mask."""
    params = truth.params or {}
    box = params.get("imaged_box")
    if truth.source != GroundTruthSource.FLUORESCENCE or not box:
        return None
    if "edited_from_version" in params:
        return None
    return slice(box[0], box[1]), slice(box[2], box[3])


def _erase(prediction: Prediction, i: int, z: int, where: np.ndarray) -> None:
    """Remove the pixels ``where`` from section ``i`` (volume index ``z``) of a prediction."""
    section = prediction.sections[i]
    prediction.class_map[z][where] = 0
    section.class_map[where] = 0
    for scores in prediction.scores.values():
        scores[i][where] = 0.0
    gone = set(np.unique(section.instances[where]).tolist()) - {0}
    section.instances[where] = 0
    left = set(np.unique(section.instances[np.isin(section.instances, list(gone))]).tolist())
    for instance in gone - left:
        section.classes.pop(instance, None)


def drop_border_nuclei(
    prediction: Prediction,
    zs: Sequence[int],
    ruled: Sequence[bool],
    instance_values: Collection[int],
    boxes: Sequence[tuple[slice, slice] | None] | None = None,
) -> None:
    """Remove, in place, the predicted nuclei of each instance class that touch the border of
    every section (``zs`` order) whose ground truth follows the border rule (``ruled``).

    Where a section's ground truth covers only ``boxes[i]`` (a shifted stain), everything
    predicted outside it is removed first, and the box's edge is the border the rule means."""
    boxes = boxes if boxes is not None else [None] * len(zs)
    for i, (z, rule, box) in enumerate(zip(zs, ruled, boxes)):
        if box is not None:
            outside = np.ones(prediction.class_map[z].shape, dtype=bool)
            outside[box] = False
            _erase(prediction, i, z, outside)
        if not rule:
            continue
        for value in instance_values:
            mask = prediction.class_map[z] == value
            if box is None:
                cut = border_nuclei(mask)
            else:
                cut = np.zeros_like(mask)
                cut[box] = border_nuclei(mask[box])
            if cut.any():
                _erase(prediction, i, z, cut)
