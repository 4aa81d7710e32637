"""Ground truth that arrives as a finished mask stack (e.g. from another tool or a generator).

A binary stack is the nucleus mask. An instance label stack (each positive value one nucleus)
is taken only when asked for (``ground_truth_import_instances``): its foreground is stored and
its instances counted. Any other stack is refused whole, before a single section is written.
"""

from __future__ import annotations

import numpy as np
from django.db import transaction
from django.db.models import Max

from annotations.imaging.errors import MaskError
from annotations.imaging.mask_stacks import InstanceCounts, binary_stack, instance_stack
from annotations.imaging.masks import encode_mask
from annotations.models import GroundTruth, GroundTruthSource, Section, Volume
from cellweb.errors import InvalidInput


def masks_from_array(array: np.ndarray) -> np.ndarray:
    """A bool (z, y, x) stack from a binary mask (0/1, 0/255, bool); refuse any other values."""
    try:
        return binary_stack(array)
    except MaskError as exc:
        raise InvalidInput(exc.message) from exc


def instances_from_array(array: np.ndarray) -> tuple[np.ndarray, InstanceCounts]:
    """The nucleus foreground of an instance label stack and its instance counts."""
    try:
        return instance_stack(array)
    except MaskError as exc:
        raise InvalidInput(exc.message) from exc


@transaction.atomic
def ground_truth_import(*, volume: Volume, masks: np.ndarray, user=None) -> int:
    """Store one imported ground-truth version per section of ``volume``; returns the count.

    ``masks`` must be binary (see :func:`masks_from_array`); the whole stack is checked before
    anything is written. The previous imported version of each section stops being current;
    none is overwritten.
    """
    return _store(volume=volume, masks=masks_from_array(masks), user=user)


@transaction.atomic
def ground_truth_import_instances(
    *, volume: Volume, labels: np.ndarray, user=None
) -> InstanceCounts:
    """Import an instance label stack's foreground as the nucleus ground truth of ``volume``.

    Each positive value is one nucleus. Until projects have label sets, only the foreground is
    stored (instance identities are not); the counts are returned and recorded in ``params``.
    """
    masks, counts = instances_from_array(labels)
    _store(volume=volume, masks=masks, user=user, counts=counts)
    return counts


def _store(*, volume: Volume, masks: np.ndarray, user, counts: InstanceCounts | None = None) -> int:
    if not volume.is_label_free:
        raise InvalidInput(
            "Ground truth belongs to a label-free volume (RI, bright-field, phase or DIC), "
            f"not to a {volume.get_modality_display().lower()} volume."
        )
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
    if counts is not None:
        params["instances_in_volume"] = counts.total
    GroundTruth.objects.bulk_create(
        [
            GroundTruth(
                section=section,
                source=GroundTruthSource.IMPORTED,
                version=latest.get(section.pk, 0) + 1,
                mask_png=encode_mask(masks[section.z]),
                foreground_pixels=int(np.count_nonzero(masks[section.z])),
                method="imported",
                params=params
                | ({"instances": counts.per_section[section.z]} if counts is not None else {}),
                reviewer=reviewer,
                is_current=True,
            )
            for section in sections
        ]
    )
    return len(sections)
