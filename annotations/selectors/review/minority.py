"""Masks the review page outlines beyond the stored ones: the nuclei only a minority of the
annotators found, and each object of a labelled mask on its own.

The consensus stores where the minority nuclei are and who drew them (``agreement["minority"]``);
the page outlines each one as its first annotator drew it, read from that annotator's revision.
The page draws a mask's contour; touching nuclei (or a nucleus in its cytoplasm) would share one
contour, so a labelled mask is sent with a one-pixel gap between touching objects as well.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from annotations.imaging.errors import MaskError
from annotations.imaging.label_values import stored_labels
from annotations.imaging.labels import read_instance_classes
from annotations.imaging.masks import encode_mask
from annotations.models import AnnotationRevision, LabelKind, Section
from annotations.selectors.encoding import b64
from annotations.selectors.labels import label_classes


def _project_values(section: Section) -> tuple[list[int], list[int]]:
    classes = label_classes(section.project)
    values = [c["value"] for c in classes]
    return values, [c["value"] for c in classes if c["kind"] == LabelKind.INSTANCES]


def objects_outline_png(section: Section, data: bytes) -> str | None:
    """``data`` (a stored class or instance map) with the pixels where one object touches
    another set to background, as a base64 PNG; None for a binary mask (nothing to separate)."""
    values, instance_values = _project_values(section)
    if values == [1] and not read_instance_classes(data):
        return None
    try:
        labels = stored_labels(data, values, instance_values, section.shape)
    except MaskError:
        return None  # the plain layer still shows what can be read; nothing to separate
    if not labels.stored_instances and set(np.unique(labels.class_map)) <= {0, 1}:
        return None
    ids = labels.instances.astype(np.int32) if labels.stored_instances else None
    if ids is None:  # a class map: its classes, and the nuclei numbered by components
        ids = np.where(
            labels.instances > 0, labels.instances.astype(np.int32) + 256, labels.class_map
        )
    keep = ids > 0
    for axis in (0, 1):
        first = ids.take(range(ids.shape[axis] - 1), axis=axis)
        second = ids.take(range(1, ids.shape[axis]), axis=axis)
        touching = (first > 0) & (second > 0) & (first != second)
        if axis == 0:
            keep[1:, :] &= ~touching
        else:
            keep[:, 1:] &= ~touching
    return b64(encode_mask(keep))


def minority_nuclei(
    section: Section, revisions: Sequence[AnnotationRevision], rows: list[dict]
) -> dict | None:
    """``{"mask_png", "nuclei"}`` for the nuclei in ``rows``; None when there are none."""
    if not rows:
        return None
    values, instance_values = _project_values(section)
    by_name = {r.annotation.annotator.get_username(): r for r in revisions}
    wanted: dict[str, list[int]] = {}
    for row in rows:
        name, own_id = next(iter(row["annotators"].items()))
        wanted.setdefault(name, []).append(int(own_id))
    mask = np.zeros(section.shape, dtype=bool)
    for name, ids in wanted.items():
        revision = by_name.get(name)
        if revision is None:
            continue
        drawn = stored_labels(bytes(revision.mask_png), values, instance_values, section.shape)
        mask |= np.isin(drawn.instances, ids)
    return {"mask_png": b64(encode_mask(mask)), "nuclei": rows}
