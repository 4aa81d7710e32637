"""Fluorescence masks as the project's labels: what the correction editor loads, and what a
reviewer's correction stores.

A derived mask is binary (the stain's nucleus class). In a project with an instance class the
editor gets it as an instance map whose nuclei are the watershed split the evaluation scores
(``evaluation.labels.truth_labels``), so the corrector can cut and merge them; a correction is
read with ``stored_labels`` whatever codec wrote it and stored as an instance map, except in a
one-class project where its nuclei are exactly that split of its mask: then the binary bytes are
stored as before, since the ids add nothing the evaluation would not find again. A project with
only region classes stores class maps (a map of 0 and 1 is the binary PNG, byte for byte).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annotations.consensus.labelled import with_region_ids
from annotations.imaging.errors import MaskError
from annotations.imaging.label_values import StoredLabels, stored_labels
from annotations.imaging.labels import encode_class_map, encode_instance_map
from annotations.imaging.masks import encode_mask
from annotations.models import GroundTruthSource, LabelKind, Project
from annotations.selectors.labels import label_classes
from annotations.services.review.confirm_labels import same_partition
from cellweb.errors import InvalidInput
from cellweb.words import as_clause
from inference.ml.objects import label_instances
from inference.services.evaluation.labels import WATERSHED_H, truth_labels

__all__ = [
    "FluorescenceLabels",
    "correction_labels",
    "editor_labels",
    "mask_labels",
    "same_partition",
]


@dataclass(frozen=True)
class FluorescenceLabels:
    """A fluorescence mask as labels, with the PNG that holds them."""

    png: bytes
    class_map: np.ndarray  # uint8
    instances: np.ndarray  # uint16 (watershed split or stored ids)
    labelled: bool  # edited with the project's classes and instances (not one binary class)


def _label_set(project: Project) -> tuple[list[int], list[int], list[int]]:
    classes = label_classes(project)
    values = [c["value"] for c in classes]
    instance_values = [c["value"] for c in classes if c["kind"] == LabelKind.INSTANCES]
    return values, instance_values, [v for v in values if v not in instance_values]


def _is_binary_project(values: list[int], instance_values: list[int]) -> bool:
    return values == [1] and not instance_values


def _instance_png(class_map, instances, classes, instance_values, region_values, values) -> bytes:
    kept = {i: v for i, v in classes.items() if v in instance_values}
    numbered = with_region_ids(
        class_map,
        np.where(np.isin(class_map, instance_values), instances, 0),
        kept,
        region_values,
    )
    return encode_instance_map(numbered.instances, numbered.classes, values)


def editor_labels(project: Project, data: bytes, shape: tuple[int, int]) -> FluorescenceLabels:
    """The stored mask ``data`` as the correction editor loads it."""
    values, instance_values, region_values = _label_set(project)
    found = truth_labels(data, GroundTruthSource.FLUORESCENCE, values, instance_values, shape)
    instances = found.instances.astype(np.uint16)
    if _is_binary_project(values, instance_values):
        return FluorescenceLabels(data, found.class_map, instances, labelled=False)
    if not instance_values:
        return FluorescenceLabels(data, found.class_map, instances, labelled=True)
    png = _instance_png(
        found.class_map, instances, found.classes, instance_values, region_values, values
    )
    return FluorescenceLabels(png, found.class_map, instances, labelled=True)


def _watershed_split(class_map: np.ndarray) -> np.ndarray:
    return label_instances(class_map == 1, split_touching=True, h=WATERSHED_H)


def correction_labels(project: Project, data: bytes, shape: tuple[int, int]) -> FluorescenceLabels:
    """A reviewer's corrected mask (any stored mask PNG), validated with the label codecs, and
    the bytes to store for it."""
    values, instance_values, region_values = _label_set(project)
    try:
        edited: StoredLabels = stored_labels(data, values, instance_values, shape)
    except MaskError as exc:
        raise InvalidInput(f"The corrected mask cannot be used: {as_clause(exc.message)}") from exc
    class_map, instances = edited.class_map, edited.instances
    if not instance_values:
        png = encode_class_map(class_map, values)
        return FluorescenceLabels(png, class_map, instances, labelled=values != [1])
    if values == [1]:
        split = _watershed_split(class_map).astype(np.uint16)
        if not edited.stored_instances or same_partition(instances, split):
            return FluorescenceLabels(encode_mask(class_map != 0), class_map, split, labelled=True)
    png = _instance_png(
        class_map, instances, edited.classes, instance_values, region_values, values
    )
    return FluorescenceLabels(png, class_map, instances, labelled=True)


def mask_labels(project: Project, data: bytes, shape: tuple[int, int]) -> StoredLabels:
    """Any stored fluorescence mask read with the project's classes (for contours and counts)."""
    values, instance_values, _ = _label_set(project)
    return stored_labels(data, values, instance_values, shape)
