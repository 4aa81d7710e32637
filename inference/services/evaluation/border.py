"""Nuclei cut by a section's border, scored under the rule its ground truth was made by.

Fluorescence ground truth derived with ``remove_border`` (the default) holds no nucleus that
touches the section's border (docs/fluorescence.md): such a nucleus is cut, so the stain cannot
say its shape. Scored as it is, every nucleus a method finds there would be a false positive, and
a perfect segmentation of a crowded field would lose precision for the nuclei the field's edge
cuts. So in those sections a prediction obeys the same rule: its nuclei are split as the ground
truth's are (``border_nuclei``: the watershed of the distance transform), and those touching
the border are removed from its class map, instances and scores before anything is scored. A
mask a reviewer corrected is the reviewer's word and is scored as it is.
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


def drop_border_nuclei(
    prediction: Prediction,
    zs: Sequence[int],
    ruled: Sequence[bool],
    instance_values: Collection[int],
) -> None:
    """Remove, in place, the predicted nuclei of each instance class that touch the border of
    every section (``zs`` order) whose ground truth follows the border rule (``ruled``)."""
    for i, (z, rule) in enumerate(zip(zs, ruled)):
        if not rule:
            continue
        section = prediction.sections[i]
        for value in instance_values:
            cut = border_nuclei(prediction.class_map[z] == value)
            if not cut.any():
                continue
            prediction.class_map[z][cut] = 0
            section.class_map[cut] = 0
            for scores in prediction.scores.values():
                scores[i][cut] = 0.0
            gone = set(np.unique(section.instances[cut]).tolist()) - {0}
            section.instances[cut] = 0
            left = set(
                np.unique(section.instances[np.isin(section.instances, list(gone))]).tolist()
            )
            for instance in gone - left:
                section.classes.pop(instance, None)
