"""A drawn mask as the project's labels: decoded, checked against the label set, encoded to store.

A save sends one of:

- a binary mask (any PNG ``decode_mask`` takes): class 1, as before label sets;
- an 8-bit class map: each pixel a class value of the project;
- a 16-bit instance map with its class table (``encode_instance_map``'s format);
- a class map with a 16-bit instance map beside it (``instances_png``, no table): the class of
  each instance is read from the class map, which refuses an instance spanning two classes.

What is stored: a project with an instance class stores instance maps, except that a mask whose
only class is 1 and whose instances are exactly its connected components keeps the binary bytes
it always had; class maps (and binary masks) are stored as class maps (``encode_class_map``).

A save also names the label-set version the mask was drawn under. When the set has changed
since (a class added, deleted or given another kind), a mask that holds a class changed after
that version is refused with a message to reload; a mask that only holds unchanged classes saves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from annotations.imaging.errors import MaskError
from annotations.imaging.label_values import stored_label_values
from annotations.imaging.labels import (
    decode_class_map,
    decode_instance_map,
    encode_class_map,
    encode_instance_map,
    instance_classes_from_class_map,
    read_instance_classes,
)
from annotations.imaging.masks import decode_mask, encode_mask
from annotations.models import LabelKind, Project
from cellweb.errors import InvalidInput


@dataclass(frozen=True)
class LabelMask:
    """A checked mask: the bytes to store and its foreground (effort, outlines, counts)."""

    mask_png: bytes
    foreground: np.ndarray  # bool


def _values(project: Project) -> tuple[list[int], set[int]]:
    classes = project.label_classes
    return (
        sorted(int(c["value"]) for c in classes),
        {int(c["value"]) for c in classes if c["kind"] == LabelKind.INSTANCES},
    )


def polygon_class(project: Project) -> int:
    """The class polygons (and binary masks drawn elsewhere) fill: the first instance class,
    else the first class."""
    values, instance_values = _values(project)
    return min(instance_values) if instance_values else values[0]


def label_set_check(project: Project, png_bytes: bytes, version: int | None) -> None:
    """Refuse a mask drawn under an older label set when it holds a class changed since."""
    current = project.label_set_version
    if version is None or version >= current:
        return
    present = stored_label_values(png_bytes)
    values, _ = _values(project)
    since = {int(k): int(v) for k, v in (project.label_class_since or {}).items()}
    changed = sorted(v for v in present if v not in values or since.get(v, 1) > version)
    if changed:
        listed = ", ".join(str(v) for v in changed)
        raise InvalidInput(
            f"The project's classes changed since this mask was drawn (label set version "
            f"{version}, now {current}): class value(s) {listed} no longer mean what they did. "
            "Reload the page to draw with the current classes; your unsaved mask is kept in "
            "this browser."
        )


def _is_binary_nucleus(instances: np.ndarray, classes: dict[int, int]) -> bool:
    """True when every instance is class 1 and the instances are the foreground's 4-connected
    components one to one (nothing cut apart, nothing joined): the binary bytes say as much."""
    if set(classes.values()) - {1}:
        return False
    components, count = ndimage.label(instances > 0)
    if count != len(classes):
        return False
    inside = components > 0
    pairs = np.unique(components[inside].astype(np.int64) * 65_536 + instances[inside])
    return len(pairs) == count


def _from_instances(instances: np.ndarray, classes: dict[int, int], values) -> LabelMask:
    foreground = instances > 0
    if _is_binary_nucleus(instances, classes):
        return LabelMask(encode_mask(foreground), foreground)
    return LabelMask(encode_instance_map(instances, classes, values), foreground)


def label_mask_from_png(
    *,
    project: Project,
    shape: tuple[int, int],
    png_bytes: bytes,
    instances_png: bytes | None = None,
    label_set_version: int | None = None,
) -> LabelMask:
    """Decode and check a drawn mask of ``project`` (see the module docstring); a MaskError
    (the codec's message) or an InvalidInput for a stale label set, nothing stored."""
    values, instance_values = _values(project)
    label_set_check(project, png_bytes, label_set_version)
    if instances_png is not None:
        class_map = decode_class_map(png_bytes, values, shape)
        instances = decode_instance_map(instances_png, values, shape, default_class=values[0])
        classes = instance_classes_from_class_map(instances.instances, class_map)
        region = sorted({v for v in classes.values() if v not in instance_values})
        if region:
            raise MaskError(
                f"Class value(s) {', '.join(map(str, region))} are region classes; number only "
                "the objects of instance classes."
            )
        return _from_instances(*_with_regions(instances.instances, classes, class_map), values)
    if read_instance_classes(png_bytes):
        decoded = decode_instance_map(png_bytes, values, shape)
        return _from_instances(decoded.instances, decoded.classes, values)
    class_map = _class_map_or_binary(png_bytes, values, shape)
    return LabelMask(encode_class_map(class_map, values), class_map > 0)


def _class_map_or_binary(png_bytes: bytes, values: list[int], shape) -> np.ndarray:
    """A class map; a binary mask (0/255 grey, colour, ...) that is not one is class 1."""
    try:
        return decode_class_map(png_bytes, values, shape)
    except MaskError as refused:
        if 1 not in values:
            raise
        try:
            return decode_mask(png_bytes, shape).view(np.uint8)
        except MaskError:
            raise refused from None


def _with_regions(
    instances: np.ndarray, classes: dict[int, int], class_map: np.ndarray
) -> tuple[np.ndarray, dict[int, int]]:
    """Add the region classes' areas under ids of their own (one per connected component), so
    the stored instance map paints the whole class map."""
    uncovered = (class_map > 0) & (instances == 0)
    if not uncovered.any():
        return instances, classes
    out = instances.astype(np.int64)
    classes = dict(classes)
    next_id = max(classes, default=0) + 1
    for value in np.unique(class_map[uncovered]).tolist():
        numbered, count = ndimage.label(uncovered & (class_map == value))
        inside = numbered > 0
        out[inside] = numbered[inside] + (next_id - 1)
        classes.update({next_id + i: int(value) for i in range(count)})
        next_id += count
    # Ids above 65,535 are refused (or renumbered) by encode_instance_map, not wrapped here.
    return out, classes
