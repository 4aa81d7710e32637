"""What a stored mask PNG holds as labels, whatever codec wrote it: its class values (to tell
whether a class is in use before it may be deleted), and its class map and instances (export).

A binary mask (1-bit, or 0/255 grey or colour as older tools wrote it) holds class 1 wherever it
is not empty; a class map holds its distinct pixel values; an instance map's classes come from
its class table, read from the header without decoding a pixel.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

import numpy as np
from scipy import ndimage

from .errors import MaskError
from .labels import (
    _LABEL_MODES,
    MAX_INSTANCES,
    _class_table,
    _label_pixels,
    _positive_values,
    decode_class_map,
    decode_instance_map,
)
from .masks import _open_png, decode_mask

__all__ = [
    "StoredLabels",
    "instance_classes_only",
    "numbered_by_components",
    "stored_label_values",
    "stored_labels",
]


def stored_label_values(data: bytes) -> set[int]:
    """The class values (1-255) present in a stored mask PNG; an empty mask holds none."""
    image = _open_png(data)
    table = _class_table(image)
    if table is not None:
        return {int(value) for value in np.unique(table) if value}
    if image.mode == "1" or image.mode not in _LABEL_MODES:
        return {1} if decode_mask(data).any() else set()
    present = {int(value) for value in _positive_values(_label_pixels(image, "mask"))}
    return {1} if present == {255} else present  # a 0/255 grey binary mask is class 1


@dataclass(frozen=True)
class StoredLabels:
    """A stored mask read as labels: its class map, its instances and where they came from."""

    class_map: np.ndarray  # uint8, 0 background
    instances: np.ndarray  # uint16, 0 none
    classes: dict[int, int]  # instance id -> class value
    stored_instances: bool  # False: numbered here by connected components (no ids stored)


def stored_labels(
    data: bytes, values: Collection[int], instance_values: Collection[int], shape: tuple[int, int]
) -> StoredLabels:
    """Decode a stored mask (binary, class map or instance map) of a project with class
    ``values``, of which ``instance_values`` are instance classes.

    An instance map keeps its own ids. A class map has no ids: the objects of each instance
    class are numbered by 4-connected components, class by class, and ``stored_instances`` says
    so, since touching objects then count as one.
    """
    if _class_table(_open_png(data)) is not None:
        decoded = decode_instance_map(data, values, shape)
        return StoredLabels(decoded.class_map(), decoded.instances, decoded.classes, True)
    class_map = decode_class_map(data, values, shape)
    instances, classes = numbered_by_components(class_map, instance_values)
    return StoredLabels(class_map, instances, classes, False)


def numbered_by_components(
    class_map: np.ndarray, instance_values: Collection[int]
) -> tuple[np.ndarray, dict[int, int]]:
    """Instances of a class map without ids: each instance class's 4-connected components,
    numbered class after class (uint16 ids, {id: class value})."""
    instances = np.zeros(class_map.shape, dtype=np.uint16)
    classes: dict[int, int] = {}
    for value in sorted(instance_values):
        numbered, count = ndimage.label(class_map == value)
        if not count:
            continue
        first = len(classes) + 1
        if first + count - 1 > MAX_INSTANCES:
            raise MaskError(f"The mask holds more than {MAX_INSTANCES:,} objects.")
        inside = numbered > 0
        instances[inside] = numbered[inside] + (first - 1)
        classes.update({first + i: value for i in range(count)})
    return instances, classes


def instance_classes_only(labels: StoredLabels, instance_values: Collection[int]) -> StoredLabels:
    """``labels`` with the ids of instance classes only. An instance map stores each region
    class (cytoplasm, membrane) under ids of its own so that it paints the whole class map;
    those areas are not objects, and dropping them here gives the same instances whether the
    mask was stored with ids or as a class map (numbered by :func:`numbered_by_components`)."""
    wanted = {int(v) for v in instance_values}
    kept = {i: v for i, v in labels.classes.items() if v in wanted}
    if len(kept) == len(labels.classes):
        return labels
    inside = np.isin(labels.instances, np.fromiter(kept, dtype=np.int64, count=len(kept)))
    instances = np.where(inside, labels.instances, 0).astype(np.uint16)
    return replace(labels, instances=instances, classes=kept)
