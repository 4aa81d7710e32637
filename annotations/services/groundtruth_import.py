"""Ground truth that arrives as a finished mask stack (e.g. from another tool or a generator)."""

from __future__ import annotations

import numpy as np
from django.db import transaction
from django.db.models import Max

from annotations.imaging.masks import encode_mask
from annotations.models import GroundTruth, GroundTruthSource, Section, Volume
from cellweb.errors import InvalidInput


def masks_from_array(array: np.ndarray) -> np.ndarray:
    """A bool (z, y, x) stack from a binary or labelled mask array; refuse anything else."""
    data = np.asarray(array)
    if data.ndim == 2:
        data = data[np.newaxis]
    if data.ndim != 3:
        raise InvalidInput(
            f"A mask stack must be 2D or 3D (z, y, x); this one has {data.ndim} dimensions."
        )
    if data.dtype == bool:
        return data
    if data.dtype.kind not in "uif":
        raise InvalidInput(f"A mask must hold numbers, not values of type {data.dtype}.")
    if data.dtype.kind == "f":
        if not np.isfinite(data).all():
            raise InvalidInput("The mask contains NaN or infinite values.")
        if not np.array_equal(data, np.round(data)):
            raise InvalidInput(
                "The mask holds fractional values (a probability map?); ground truth must be binary "
                "(0/1 or 0/255) or integer labels."
            )
    if data.min() < 0:
        raise InvalidInput(
            "The mask holds negative values; ground truth must be binary or integer labels."
        )
    # Integer labels (one number per nucleus) are merged: the ground truth is "nucleus or not".
    return data > 0


@transaction.atomic
def ground_truth_import(*, volume: Volume, masks: np.ndarray, user=None) -> int:
    """Store one imported ground-truth version per section of ``volume``; returns the count.

    The previous imported version of each section stops being current; none is overwritten.
    """
    if not volume.is_label_free:
        raise InvalidInput(
            "Ground truth belongs to a label-free volume (RI, bright-field, phase or DIC), "
            f"not to a {volume.get_modality_display().lower()} volume."
        )
    masks = masks_from_array(masks)
    if masks.shape != volume.shape:
        raise InvalidInput(
            f"The mask stack is {'×'.join(map(str, masks.shape))} (z×y×x) but the volume of "
            f"“{volume.specimen.name}” is {'×'.join(map(str, volume.shape))}; they must match section by section."
        )
    sections = list(Section.objects.select_for_update().filter(volume=volume).order_by("z"))
    if len(sections) != volume.size_z:
        raise InvalidInput(
            f"Volume {volume.pk} has {len(sections)} sections instead of {volume.size_z}."
        )
    latest = dict(
        GroundTruth.objects.filter(section__volume=volume, source=GroundTruthSource.IMPORTED)
        .values("section_id")
        .annotate(top=Max("version"))
        .values_list("section_id", "top")
    )
    GroundTruth.objects.filter(
        section__volume=volume, source=GroundTruthSource.IMPORTED, is_current=True
    ).update(is_current=False)
    reviewer = user if getattr(user, "is_authenticated", False) else None
    params = {"imported_by": reviewer.get_username()} if reviewer else {}
    GroundTruth.objects.bulk_create(
        [
            GroundTruth(
                section=section,
                source=GroundTruthSource.IMPORTED,
                version=latest.get(section.pk, 0) + 1,
                mask_png=encode_mask(masks[section.z]),
                foreground_pixels=int(np.count_nonzero(masks[section.z])),
                method="imported",
                params=params,
                reviewer=reviewer,
                is_current=True,
            )
            for section in sections
        ]
    )
    return len(sections)
