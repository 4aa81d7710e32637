"""The per-volume numbers of an evaluation's volume rows: 3D agreement over the sections with
ground truth, a class's objects on real instances, the largest nuclei's quantities, and the
predicted mask stored with the row (``scoring.VolumeScorer`` computes the rest).

The stored TIFF (one zlib page per section) of an instance class holds the predicted nuclei's
ids (uint16, uint32 past 65,535; 0 background, ids unique within a section): on the sections
with ground truth, the nuclei exactly as they were scored (an instance head's, or connected
components, separated by the watershed where the evaluation separates touching nuclei); on the
others, the 4-connected components. Its description says so (``"ids": "nuclei"``, ``PRED_IDS``).
A region class, and every row stored before the ids were, holds the mask as 0/255 uint8; a
reader that wants the mask keeps ``> 0`` of either."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import tifffile
from django.core.files.base import ContentFile
from scipy import ndimage as ndi

from annotations.models import GroundTruthSource, Volume
from inference.ml.metrics import finite_or_none, volume_metrics
from inference.ml.objects import PooledObjects, class_map_score, label_instances
from inference.ml.quantities import largest_nuclei
from inference.models import VolumeResult
from inference.services.evaluation.labels import STORED, WATERSHED_H, SectionLabels

PRED_IDS = ("ids", "nuclei")  # the stored TIFF's description holds the nuclei's ids
MAX_NUCLEI = 10
MIN_NUCLEUS_VOXELS = 27
OBJECT_IOU = 0.7
NUCLEUS_KEYS = ("volume_um3", "surface_area_um2", "mean_ri", "concentration_pg_per_um3")
VOLUME_METRIC_FIELDS = {
    "pred_volume_um3": "pred_volume_um3",
    "gt_volume_um3": "gt_volume_um3",
    "volume_difference_um3": "volume_difference_um3",
    "volume_difference_pct": "volume_difference_pct",
    "intersection_ratio": "volume_intersection_ratio",
    "dice_3d": "dice_3d",
    "jaccard_3d": "jaccard_3d",
}


def largest_nuclei_rows(
    mask: np.ndarray,
    volume: Volume,
    ri: np.ndarray | None,
    *,
    split_touching: bool = False,
    instances: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """Quantities of the largest nuclei of a 3D mask (RI volumes with a voxel size only; a
    single-section field has none: its nuclei's µm³ would be areas times a z voxel size).

    The nuclei are ``instances`` where given (ids that hold through the sections), else the
    mask's connected components, with ``split_touching`` separated in 3D by the watershed the
    evaluation splits sections with (h = ``WATERSHED_H`` in-plane pixels), so a crowded field
    is not measured as one nucleus."""
    if ri is None or volume.voxel_size is None or volume.size_z == 1:
        return []
    if instances is None and split_touching:
        spacing = np.asarray(volume.voxel_size, dtype=float) / volume.voxel_size[-1]
        instances = label_instances(mask, split_touching=True, h=WATERSHED_H, spacing=spacing)
    rows = largest_nuclei(
        mask,
        ri,
        volume.voxel_size,
        keep=MAX_NUCLEI,
        min_voxels=MIN_NUCLEUS_VOXELS,
        labels=instances,
    )
    return [
        {
            "label": row["label"],
            "voxel_count": row["voxel_count"],
            **{key: finite_or_none(row[key]) for key in NUCLEUS_KEYS},
            "centroid_um": [finite_or_none(c) for c in row["centroid_um"]],
        }
        for row in rows
    ]


def one_import(rows) -> bool:
    """Whether ground-truth rows (``GroundTruth``) are all of one import (its mark in
    ``params["import"]``; rows imported before the mark: the same file and count of the volume's
    nuclei). Sections imported apart number their nuclei apart: the same id may be two nuclei."""
    if not rows or any(row.source != GroundTruthSource.IMPORTED for row in rows):
        return False
    keys = (
        ("import",)
        if all("import" in row.params for row in rows)
        else (
            "file",
            "instances_in_volume",
        )
    )
    marks = {tuple(row.params.get(key) for key in keys) for row in rows}
    return len(marks) == 1 and None not in next(iter(marks))


def imported_nuclei(sections: list[SectionLabels], value: int, imported: bool):
    """The (z, y, x) ids of class ``value`` in ground truth imported with its instances, which
    keep one id per nucleus through the sections; None for any other ground truth, whose ids
    (if any) are unique within a section only."""
    if not imported or any(section.numbered_by != STORED for section in sections):
        return None
    return np.stack([section.of_class(value) for section in sections])


def class_objects(
    predicted: list[SectionLabels], truth: list[SectionLabels], value: int
) -> dict[str, Any]:
    """One class's object numbers over the sections with ground truth, on their instances."""
    pooled = PooledObjects(OBJECT_IOU)
    for pred, gt in zip(predicted, truth):
        pooled.add(pred.of_class(value), gt.of_class(value))
    scores = pooled.scores()
    scores["map"] = finite_or_none(class_map_score(scores))
    scores["gt_instances"] = _sources(gt.numbered_by for gt in truth)
    scores["pred_instances"] = _sources(pred.numbered_by for pred in predicted)
    return scores


def _sources(names) -> str:
    return " + ".join(sorted(set(names))) or "none"


def predicted_ids(
    predicted: np.ndarray, sections: list[SectionLabels], zs: list[int], value: int
) -> np.ndarray:
    """The nuclei of class ``value`` in a predicted (Z, H, W) mask, ids unique within a
    section: the scored ones (``sections``, ``zs`` order) where a section was scored, else its
    4-connected components. Any predicted pixel the scoring left without an id (none is) would
    take a component of its own, so the ids ``> 0`` are the mask."""
    mask = np.asarray(predicted, dtype=bool)
    ids = np.zeros(mask.shape, dtype=np.uint16)  # uint32 only for a section past 65,535
    scored = dict(zip(zs, sections))
    for z in range(mask.shape[0]):
        section = np.zeros(mask.shape[1:], dtype=np.int64)
        if z in scored:
            section = np.where(mask[z], scored[z].of_class(value), 0).astype(np.int64)
        left = mask[z] & (section == 0)
        if left.any():
            extra, _ = ndi.label(left)
            section = np.where(left, extra + section.max(), section)
        if section.max() > np.iinfo(ids.dtype).max:
            ids = ids.astype(np.uint32)
        ids[z] = section
    return ids


def _tiff_bytes(predicted: np.ndarray, ids: np.ndarray | None = None) -> bytes:
    """The TIFF of a row: the nuclei's ``ids`` where given (``PRED_IDS``), else the mask 0/255."""
    if ids is None:
        data = np.ascontiguousarray(predicted, dtype=bool).astype(np.uint8) * np.uint8(255)
        metadata = {"axes": "ZYX"}
    else:
        wide = ids.max(initial=0) > np.iinfo(np.uint16).max
        data = np.ascontiguousarray(ids, dtype=np.uint32 if wide else np.uint16)
        metadata = {"axes": "ZYX", PRED_IDS[0]: PRED_IDS[1]}
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, data, compression="zlib", photometric="minisblack", metadata=metadata)
    return buffer.getvalue()


def volume_agreement(row: VolumeResult, volume: Volume, sub: np.ndarray, gt_stack) -> None:
    """3D agreement over the sections with ground truth; µm³ only for a 3D volume with a
    voxel size. The difference in % is (predicted − ground-truth voxels) / ground-truth voxels,
    unitless, so every volume has it, with a voxel size or without. A single-section (2D)
    field has an area, not a volume: its µm³ would be the area times a z voxel size that
    measures nothing, so it has none (its difference in % is the area's)."""
    voxel = volume.voxel_size
    numbers = volume_metrics(sub, gt_stack, voxel or (1.0, 1.0, 1.0))
    physical = ("pred_volume_um3", "gt_volume_um3", "volume_difference_um3")
    for field_name, key in VOLUME_METRIC_FIELDS.items():
        if field_name in physical and (voxel is None or volume.size_z == 1):
            continue
        setattr(row, field_name, finite_or_none(numbers[key]))


def volume_result_save(
    row: VolumeResult, predicted: np.ndarray, name: str, ids: np.ndarray | None = None
) -> None:
    """Save the row with its predicted mask as a TIFF (the nuclei's ``ids`` where given, see
    the module); the file goes again if the row cannot."""
    row.pred_mask.save(name, ContentFile(_tiff_bytes(predicted, ids)), save=False)
    try:
        row.save()
    except BaseException:
        row.pred_mask.storage.delete(row.pred_mask.name)
        raise
