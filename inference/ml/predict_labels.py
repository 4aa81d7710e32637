"""A volume's class map and instances from the maps of a network with several classes or an
instance output (``predict.predict_sections`` with a layout).

Each section's class map comes from :func:`label_output.labels_from_output`. A single section
(a bright-field or phase field) keeps that function's instances: the watershed of the instance
channel, or connected components. A stack of sections (a tomogram) numbers the nuclei of each
instance class in 3D, as binary prediction does (``predict.nuclei_instances``: components,
split by the distance-transform watershed with ``split_touching``), so a nucleus is one object
across its sections.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from .heads import HeadLayout
from .label_output import MAX_INSTANCES, labels_from_output
from .predict import PredictOptions, nuclei_instances

__all__ = ["section_labels", "volume_labels"]

SectionLabels = tuple[np.ndarray, np.ndarray, dict[int, int]]


def section_labels(
    maps: np.ndarray,
    layout: HeadLayout,
    class_values: Sequence[int],
    instance_values: Collection[int],
    options: PredictOptions,
) -> list[SectionLabels]:
    """``labels_from_output`` of each section of activated maps (z, C, y, x)."""
    if maps.ndim != 4:
        raise ValueError(f"expected (z, C, y, x) maps, got {maps.shape}")
    return [
        labels_from_output(
            section, layout, class_values, instance_values, options.threshold, activated=True
        )
        for section in maps
    ]


def volume_labels(
    sections: Sequence[SectionLabels],
    instance_values: Collection[int],
    options: PredictOptions,
    *,
    spacing: Sequence[float] | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[int, int]]:
    """(class map (z, y, x) uint8, instances (z, y, x) int32, {instance id: class value}) of a
    volume from its sections' labels (:func:`section_labels`, in z order)."""
    class_map = np.stack([s[0] for s in sections])
    if len(sections) == 1:
        _, instances, classes = sections[0]
        return class_map, instances[None].astype(np.int32), dict(classes)
    instances = np.zeros(class_map.shape, dtype=np.int32)
    classes: dict[int, int] = {}
    for value in sorted({int(v) for v in instance_values}):
        numbered = nuclei_instances(class_map == value, options, spacing=spacing)
        count = int(numbered.max())
        if len(classes) + count > MAX_INSTANCES:
            raise ValueError(f"the volume holds more than {MAX_INSTANCES:,} objects")
        first = len(classes)
        inside = numbered > 0
        instances[inside] = numbered[inside] + first
        classes.update({first + i: value for i in range(1, count + 1)})
    return class_map, instances, classes
