"""Confirming the consensus of a section whose masks hold label classes or instances.

The reviewer's edit arrives as any stored mask (binary, class map or instance map) and is read
with ``stored_labels``; the ground truth is stored as the consensus is: an instance map (region
areas one id per connected component) when the project has an instance class, else a class map.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from annotations import consensus as consensus_math
from annotations.imaging.errors import MaskError
from annotations.imaging.label_values import StoredLabels, stored_labels
from annotations.imaging.labels import encode_class_map, encode_instance_map
from annotations.models import AnnotationRevision, LabelKind, Section
from annotations.selectors.labels import label_classes
from cellweb.errors import InvalidInput
from cellweb.words import as_clause

__all__ = ["LabelledTruth", "labelled_truth"]


@dataclass(frozen=True)
class LabelledTruth:
    mask_png: bytes
    foreground_pixels: int
    edit_summary: dict  # empty when nothing changed
    dice: dict[int, float | None]  # revision pk -> foreground Dice with the ground truth


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two instance maps split the pixels into the same objects (ids may differ)."""
    inside = (a > 0) | (b > 0)
    pairs = np.unique(np.stack([a[inside], b[inside]]), axis=1)
    return len(pairs[0]) == len(np.unique(pairs[0])) == len(np.unique(pairs[1]))


def labelled_truth(
    section: Section,
    consensus_png: bytes,
    inputs: Sequence[AnnotationRevision],
    *,
    edited_png: bytes | None,
    edited_map: np.ndarray | None,
) -> LabelledTruth:
    """The ground truth to store (the consensus, or the reviewer's edit of it) and its summary."""
    classes = label_classes(section.project)
    values = [c["value"] for c in classes]
    instance_values = [c["value"] for c in classes if c["kind"] == LabelKind.INSTANCES]
    region_values = [v for v in values if v not in instance_values]

    def read(data: bytes, what: str) -> StoredLabels:
        try:
            return stored_labels(data, values, instance_values, section.shape)
        except MaskError as exc:
            raise InvalidInput(f"{what}: {as_clause(exc.message)}") from exc

    proposal = read(consensus_png, "The consensus cannot be read")
    final = proposal
    if edited_map is not None:
        edited_png = _class_map_png(edited_map, values, section.shape)
    if edited_png is not None:
        final = read(edited_png, "The edited mask cannot be used")
    before, after = proposal.class_map, final.class_map
    summary = {
        "pixels_added": int(np.count_nonzero((after != 0) & (before == 0))),
        "pixels_removed": int(np.count_nonzero((before != 0) & (after == 0))),
        "pixels_reclassified": int(
            np.count_nonzero((before != 0) & (after != 0) & (before != after))
        ),
        "instances_changed": not same_partition(proposal.instances, final.instances),
    }
    changed = any(summary.values())
    if instance_values:
        labels = consensus_math.with_region_ids(
            after,
            np.where(np.isin(after, instance_values), final.instances, 0),
            {i: v for i, v in final.classes.items() if v in instance_values},
            region_values,
        )
        mask_png = encode_instance_map(labels.instances, labels.classes, values)
    else:
        mask_png = encode_class_map(after, values)
    dice = {}
    for revision in inputs:
        try:
            drawn = read(bytes(revision.mask_png), "An input cannot be read").class_map
            dice[revision.pk] = consensus_math.dice(drawn != 0, after != 0)
        except InvalidInput:
            dice[revision.pk] = None
    return LabelledTruth(
        mask_png=mask_png,
        foreground_pixels=int(np.count_nonzero(after)),
        edit_summary=summary if changed else {},
        dice=dice,
    )


def _class_map_png(mask: np.ndarray, values: list[int], shape: tuple[int, int]) -> bytes:
    array = np.asarray(mask)
    if array.shape != tuple(shape):
        height, width = shape
        raise InvalidInput(
            f"The mask has shape {array.shape} but the section is {width}×{height} pixels "
            "(width × height); draw it on this section."
        )
    try:
        return encode_class_map(array.astype(np.uint8), values)
    except MaskError as exc:
        raise InvalidInput(f"The edited mask cannot be used: {as_clause(exc.message)}") from exc
