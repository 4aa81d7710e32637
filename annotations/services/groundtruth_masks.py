"""A mask file read and stored as imported ground truth, the one path ``manage.py import_masks``
and the ground-truth upload (``groundtruth_upload.py``) share: which reading a file gets (one
mask file per nucleus in a folder or .zip, else a mask stack at one time point), which sections
are stored, and class maps or instance maps."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from annotations.imaging.object_masks import MergedObjects
from annotations.models import Volume
from annotations.services.groundtruth_import import (
    InstanceCounts,
    ground_truth_import,
    ground_truth_import_instances,
)
from annotations.services.groundtruth_sections import sections_to_store
from annotations.services.mask_files import read_mask_stack, time_point
from annotations.services.object_mask_files import is_object_mask_source, read_object_masks
from cellweb.errors import InvalidInput


def read_truth_masks(
    path: Path,
    *,
    name: str,
    instances: bool,
    dataset: str | None = None,
    time_index: int = 0,
    ask_instances: str = "import it as instances",
) -> tuple[np.ndarray, MergedObjects | None]:
    """The masks of ``path`` (``name`` in messages) and, for a folder or .zip of one mask file
    per nucleus, what merging them found. Such a source needs ``instances``: else a 400 that
    says to ``ask_instances`` (the caller's words for it)."""
    if is_object_mask_source(path):
        if not instances:
            raise InvalidInput(
                f"{name} is a folder or .zip: it is read as one mask file per nucleus, so "
                f"{ask_instances}."
            )
        merged = read_object_masks(path, name)
        return merged.labels, merged
    stack = read_mask_stack(path, dataset, name, instances=instances)
    return time_point(stack, time_index), None


@dataclass(frozen=True)
class StoredTruth:
    stored: list[int] | None  # the sections given ground truth; None: every one
    sections: int  # how many
    counts: InstanceCounts | None  # instances per section and in the volume, for instances


def store_truth_masks(
    *,
    volume: Volume,
    masks: np.ndarray,
    instances: bool,
    user=None,
    class_name: str | None = None,
    labelled_only: bool = False,
    sections: str = "",
    file_name: str = "",
) -> StoredTruth:
    """Store ``masks`` as the imported ground truth of ``volume``: every section, those holding
    something (``labelled_only``) or those listed (``sections``); as instance maps with
    ``instances``, else class maps. A refusal writes nothing (``groundtruth_import``)."""
    only = sections_to_store(
        masks, size_z=volume.size_z, labelled_only=labelled_only, sections=sections
    )
    where = {"volume": volume, "user": user, "class_name": class_name, "sections": only}
    if instances:
        counts = ground_truth_import_instances(labels=masks, file_name=file_name, **where)
        stored = len(only) if only is not None else len(counts.per_section)
        return StoredTruth(only, stored, counts)
    return StoredTruth(only, ground_truth_import(masks=masks, file_name=file_name, **where), None)
