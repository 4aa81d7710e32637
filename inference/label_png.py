"""Predicted labels in the stored mask format (docs/labels.md): a 16-bit instance map when the
project has instance classes, each instance its own id and each region class's area numbered
by connected components so the class map reads back whole; else an 8-bit class map."""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
from scipy import ndimage as ndi

from annotations.imaging.labels import encode_class_map, encode_instance_map

__all__ = ["labels_png"]


def labels_png(
    class_map: np.ndarray,
    instances: np.ndarray,
    classes: Mapping[int, int],
    labels: Collection[int],
    instance_values: Collection[int],
) -> bytes:
    """PNG bytes of one section's predicted labels (``labels``: the project's class values)."""
    if not instance_values:
        return encode_class_map(class_map, labels)
    ids = instances.astype(np.int64)
    table = {int(k): int(v) for k, v in classes.items()}
    for value in sorted(set(np.unique(class_map).tolist()) - {0} - set(instance_values)):
        area = (class_map == value) & (ids == 0)
        numbered, count = ndi.label(area)
        first = max(table, default=0)
        ids[numbered > 0] = numbered[numbered > 0] + first
        table.update({first + i: int(value) for i in range(1, count + 1)})
    return encode_instance_map(ids.astype(np.uint32), table, labels)
