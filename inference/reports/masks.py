"""Masks and images exactly as an evaluation stored them: the predicted TIFF of a volume (its
mask, and the nuclei ids an instance class's holds), the ground-truth versions it was scored
against, and the label-free image for display."""

from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np
import tifffile

from annotations.imaging.render import display_window, to_uint8
from annotations.imaging.ri import decode_ri
from annotations.models import GroundTruth, Modality, Volume
from inference.class_target import class_target
from inference.models import Evaluation, SectionResult, VolumeResult
from inference.services.evaluation.target import target_value
from inference.services.evaluation.volume_numbers import PRED_IDS

__all__ = [
    "display_image",
    "ground_truth_masks",
    "ground_truth_volume",
    "volume_result_mask",
    "volume_result_section",
]


def volume_result_mask(result: VolumeResult, z: int | None = None) -> np.ndarray:
    """The stored predicted mask (whole volume, or one section) as bool."""
    # Read through the open file: one page of a large stack is read, not the whole file.
    with result.pred_mask.open("rb") as fh, tifffile.TiffFile(fh) as tif:
        if z is None:
            volume = result.volume
            return tif.asarray().reshape(volume.size_z, volume.size_y, volume.size_x) > 0
        return tif.pages[z].asarray() > 0


def volume_result_section(result: VolumeResult, z: int) -> tuple[np.ndarray, np.ndarray | None]:
    """One section of the stored prediction (one page read): its mask as bool, and the ids of
    its nuclei as they were scored, or None where the row stores none (a region class, or an
    evaluation from before the ids were stored: a 0/255 mask)."""
    with result.pred_mask.open("rb") as fh, tifffile.TiffFile(fh) as tif:
        page = tif.pages[z].asarray()
        ids = page if _holds_ids(tif) else None
    return page > 0, ids


def _holds_ids(tif: tifffile.TiffFile) -> bool:
    description = tif.pages.first.description
    try:
        metadata = json.loads(description) if description else {}
    except ValueError:
        return False
    key, value = PRED_IDS
    return isinstance(metadata, dict) and metadata.get(key) == value


def ground_truth_masks(
    evaluation: Evaluation,
    ids: Iterable[int | None],
    shapes: dict[int, tuple[int, int]],
    value: int | None = None,
):
    """``{ground_truth_id: bool mask}`` of class ``value`` (default: the evaluation's target
    class) for the given ids, in one query (binary, class or instance maps); ``shapes`` maps each
    id to its section's (height, width)."""
    chosen = target_value(evaluation) if value is None else value
    target = class_target(evaluation.project, value=chosen)
    wanted = [i for i in ids if i is not None]
    rows = GroundTruth.objects.only("id", "mask_png").in_bulk(wanted)
    return {pk: target.decode(bytes(row.mask_png), shapes[pk]) for pk, row in rows.items()}


def ground_truth_volume(evaluation: Evaluation, volume: Volume) -> tuple[np.ndarray, np.ndarray]:
    """Ground-truth stack of ``volume`` as scored (zeros where a section had none) and the
    bool vector of sections that had ground truth."""
    shape = (volume.size_y, volume.size_x)
    stack = np.zeros(volume.shape, dtype=bool)
    present = np.zeros(volume.size_z, dtype=bool)
    gt_by_z = dict(
        SectionResult.objects.filter(
            evaluation=evaluation, volume=volume, class_value=target_value(evaluation)
        )
        .values_list("z", "ground_truth_id")
        .distinct()
    )
    masks = ground_truth_masks(evaluation, gt_by_z.values(), dict.fromkeys(gt_by_z.values(), shape))
    for z, gt_id in gt_by_z.items():
        if gt_id in masks:
            stack[z] = masks[gt_id]
            present[z] = True
    return stack, present


def display_image(volume: Volume, image: np.ndarray) -> np.ndarray:
    """8-bit grey for a figure, with the viewer's default window for the modality."""
    if volume.modality == Modality.RI:
        image = decode_ri(image)
    lo, hi = display_window(image, modality=volume.modality)
    return to_uint8(image, lo, hi)
