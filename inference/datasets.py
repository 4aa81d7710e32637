"""The frozen ground-truth snapshot of a training job, as arrays and training tensors.

A snapshot pins exact ground-truth versions; this module turns its entries into the (image,
mask) pairs a fold trains and validates on. Images come from the stored volumes (memory-mapped),
masks from the PNG bytes of the pinned ground-truth rows, so later re-confirmations never change
what a job trained on.

A ground-truth row normally belongs to a label-free section. Fluorescence-derived masks may be
stored on the fluorescence section instead; their image is then the paired label-free section.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from annotations.models import GroundTruth, GroundTruthSnapshot, Project, Section, Volume
from annotations.services.volumes import section_pixels
from inference.class_target import ClassTarget, class_target
from inference.ml.data import normalise_channels, prepare_sections


@dataclass(frozen=True)
class SnapshotEntry:
    """One ground-truth mask and the label-free section it is the truth for."""

    ground_truth_id: int
    section_id: int
    specimen_id: int
    specimen_name: str
    modality: str
    volume_id: int
    z: int


def entries_for_ground_truths(ground_truth_ids: Iterable[int]) -> list[SnapshotEntry]:
    """Entries in a stable order (specimen name, volume, z), so folds are reproducible.

    Ground truth whose section has no label-free image (a fluorescence section without a
    label-free partner) is left out: there is nothing to train on.
    """
    rows = list(
        GroundTruth.objects.filter(pk__in=list(ground_truth_ids)).values_list(
            "pk", "section_id", "section__is_label_free"
        )
    )
    fluorescence_ids = [section_id for _, section_id, label_free in rows if not label_free]
    partner_of: dict[int, int] = {}
    if fluorescence_ids:
        for section_id, fluorescence_id in (
            Section.objects.filter(fluorescence_id__in=fluorescence_ids, is_label_free=True)
            .order_by("id")
            .values_list("id", "fluorescence_id")
        ):
            partner_of.setdefault(fluorescence_id, section_id)
    image_section = {
        gt_id: (section_id if label_free else partner_of.get(section_id))
        for gt_id, section_id, label_free in rows
    }
    wanted = {sid for sid in image_section.values() if sid is not None}
    sections = {
        row[0]: row
        for row in Section.objects.filter(pk__in=wanted).values_list(
            "id", "specimen_id", "specimen__name", "volume__modality", "volume_id", "z"
        )
    }
    entries = [
        SnapshotEntry(
            ground_truth_id=gt_id,
            section_id=sid,
            specimen_id=sections[sid][1],
            specimen_name=sections[sid][2],
            modality=sections[sid][3],
            volume_id=sections[sid][4],
            z=sections[sid][5],
        )
        for gt_id, sid in image_section.items()
        if sid is not None and sid in sections
    ]
    entries.sort(
        key=lambda e: (e.specimen_name, e.specimen_id, e.volume_id, e.z, e.ground_truth_id)
    )
    return entries


def snapshot_entries(snapshot: GroundTruthSnapshot) -> list[SnapshotEntry]:
    return entries_for_ground_truths(snapshot.entries.values_list("pk", flat=True))


def entries_target(entries: Sequence[SnapshotEntry]) -> ClassTarget | None:
    """The default target class of the project the entries belong to (None without entries)."""
    if not entries:
        return None
    project = Project.objects.filter(sections__pk=entries[0].section_id).first()
    return class_target(project) if project is not None else None


def entries_channels(entries: Sequence[SnapshotEntry]) -> int:
    """The input channels of ``entries``' sections (all alike: one set per project)."""
    names = {
        tuple(n or ())
        for n in Volume.objects.filter(pk__in={e.volume_id for e in entries}).values_list(
            "channel_names", flat=True
        )
    }
    if len(names) > 1:
        raise ValueError(f"the sections have different channels: {sorted(names)}")
    return max(1, len(next(iter(names), ())))


def load_pairs(
    entries: Sequence[SnapshotEntry], target: ClassTarget | None = None
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(images, boolean masks of the target class) at native resolution, in the order of
    ``entries``: (y, x) images, or (c, y, x) for multi-channel sections. The stored masks are
    read as class maps; ``target`` defaults to the project's nucleus class."""
    target = target or entries_target(entries)
    return load_sections(entries, target.decode)


def load_sections(
    entries: Sequence[SnapshotEntry], decode: Callable[[bytes, tuple[int, int]], Any]
) -> tuple[list[np.ndarray], list[Any]]:
    """(images, ``decode(stored mask bytes, image shape)``) in the order of ``entries``."""
    truths = GroundTruth.objects.only("id", "mask_png").in_bulk(
        [e.ground_truth_id for e in entries]
    )
    sections = Section.objects.select_related("volume").in_bulk([e.section_id for e in entries])
    images: list[np.ndarray] = []
    masks: list[Any] = []
    for entry in entries:
        image = section_pixels(sections[entry.section_id])
        images.append(image)
        masks.append(decode(bytes(truths[entry.ground_truth_id].mask_png), image.shape[-2:]))
    return images, masks


def training_tensors(
    entries: Sequence[SnapshotEntry],
    *,
    input_size: int,
    target: ClassTarget | None = None,
    chunk: int = 64,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Normalised (N, C, S, S) images and (N, 1, S, S) binary masks of the ``target`` class
    (default: the project's nucleus class) for ``entries``, in their order. C is the sections'
    channels: 1, or the project's label-free channels (bright-field + phase, ...).

    Each modality is normalised its own way (physical scaling for RI, percentiles otherwise),
    each channel on its own, exactly as at inference time. Sections are read ``chunk`` at a time, so only the resized
    tensors, never every full-resolution section at once, are held in memory.
    """
    target = target or entries_target(entries)
    channels = entries_channels(entries)
    x = torch.empty((len(entries), channels, input_size, input_size), dtype=torch.float32)
    y = torch.empty((len(entries), 1, input_size, input_size), dtype=torch.float32)
    for start in range(0, len(entries), chunk):
        part = entries[start : start + chunk]
        images, masks = load_pairs(part, target)
        for modality in sorted({e.modality for e in part}):
            idx = [i for i, e in enumerate(part) if e.modality == modality]
            mx, my = prepare_sections(
                [images[i] for i in idx],
                [masks[i] for i in idx],
                input_size=input_size,
                modality=modality,
            )
            rows = [start + i for i in idx]
            x[rows] = mx
            y[rows] = my
    return x, y


def native_sections(
    entries: Sequence[SnapshotEntry], target: ClassTarget | None = None
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Normalised (C, H, W) images and (1, H, W) binary masks of the ``target`` class at native
    resolution, in ``entries`` order: the input of native-crop training
    (``inference/ml/crops.py``) and of tiled validation."""
    images, masks = load_pairs(entries, target)
    return (
        [normalise_channels(image, e.modality) for image, e in zip(images, entries, strict=True)],
        [torch.from_numpy(np.ascontiguousarray(m) > 0).to(torch.float32)[None] for m in masks],
    )
