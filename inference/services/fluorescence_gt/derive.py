"""Deriving fluorescence ground truth for every label-free section with a paired stain section,
and previewing one section's mask without storing it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from annotations.imaging.masks import encode_mask
from annotations.models import (
    AuditEvent,
    GroundTruth,
    Project,
    ReviewAction,
    Section,
    Specimen,
    Volume,
)
from annotations.permissions import REVIEW_ROLES, require_role
from annotations.services.volumes import volume_array
from cellweb.errors import ConflictError
from inference.ml.fluorescence import FluorescenceGTParams, fluorescence_ground_truth
from inference.ml.stain_shift import shift_stain

from .pairs import SOURCE, FluorescencePair, fluorescence_pairs

__all__ = ["fluorescence_gt_create", "fluorescence_gt_preview", "imaged_sections"]


def imaged_sections(volume: Volume) -> range:
    """The sections of a stain stack that hold the stain: all, or those a stain resampled onto a
    taller tomogram reaches (``Volume.stats["imaged_sections"]``, docs/imports.md)."""
    first, last = volume.stats.get("imaged_sections") or (0, volume.size_z - 1)
    return range(first, last + 1)


def _stain_stack(volume: Volume) -> np.ndarray:
    """The imaged sections of the stain: sections beyond them hold no stain image, so they
    neither take part in the thresholds nor get a mask."""
    imaged = imaged_sections(volume)
    return np.asarray(volume_array(volume)[imaged.start : imaged.stop], dtype=np.float32)


def _aligned_masks(
    volume: Volume, params: FluorescenceGTParams
) -> tuple[np.ndarray, dict[str, Any]]:
    """Masks of the imaged sections on the label-free grid, the stain moved by its confirmed
    shift first. Only the part the shifted stain covers is thresholded (the band it leaves was
    not imaged: no mask there, and its edge is a border for ``remove_border``)."""
    part, box = shift_stain(_stain_stack(volume), volume.stain_shift)
    masks, info = fluorescence_ground_truth(part, params)
    aligned = np.zeros((masks.shape[0], volume.size_y, volume.size_x), dtype=bool)
    aligned[(slice(None), *box)] = masks
    info["stain_shift"] = list(volume.stain_shift)
    if volume.stain_shift != (0, 0):
        info["imaged_box"] = [box[0].start, box[0].stop, box[1].start, box[1].stop]
    return aligned, info


def _shift_params(info: dict[str, Any]) -> dict[str, Any]:
    return {k: info[k] for k in ("stain_shift", "imaged_box") if k in info}


def _section_params(
    params: FluorescenceGTParams, info: dict[str, Any], pair: FluorescencePair, z: int, fl_ids
) -> dict[str, Any]:
    k = z - imaged_sections(pair.fluorescence).start  # the section's index in the imaged stack
    threshold = info["thresholds"][k]
    return {
        **params.to_dict(),
        "threshold_used": threshold,
        "volume_threshold": info["volume_threshold"],
        # Read by the fluorescence page, the gallery and evaluations that leave flagged out.
        "quality": info["quality"][k],
        "stain_signal": info["signal"][k],
        "half_maximum_fill": k in info["filled_sections"],
        # Pixels at the camera's full scale left out of the Otsu histogram (stain_saturation.py).
        "saturated_pixels": info["saturated_pixels"],
        "channel": pair.fluorescence.channel,
        "fluorescence_volume_id": pair.fluorescence.pk,
        "fluorescence_section_id": fl_ids.get(z),
        **_shift_params(info),
    }


@transaction.atomic
def fluorescence_gt_create(
    *,
    project: Project,
    user,
    params: FluorescenceGTParams | None = None,
    specimens: Iterable[Specimen | int] | None = None,
    volumes: Iterable[Volume | int] | None = None,
    channel: str | None = None,
) -> int:
    """Derive fluorescence ground truth for every label-free section with a paired stain
    section (optionally only some specimens or volumes). Returns the number of versions made.

    ``user`` None is the system (``manage.py fluorescence_gt`` without ``--user``).
    """
    if user is not None:
        require_role(user, project, *REVIEW_ROLES)
    params = params or FluorescenceGTParams()
    pairs = fluorescence_pairs(
        project=project, specimens=specimens, volumes=volumes, channel=channel
    )
    if not pairs:
        which = f" with a “{channel}” channel" if channel else ""
        raise ConflictError(
            "No label-free volume in this selection has a paired fluorescence stack"
            f"{which}; import the stain (same specimen and time point) first.",
            code="no_stain",
        )
    actor = user if getattr(user, "is_authenticated", False) else None
    now = timezone.now()
    created = 0
    for pair in pairs:
        imaged = imaged_sections(pair.fluorescence)
        if not imaged:
            continue
        masks, info = _aligned_masks(pair.fluorescence, params)
        # Lock the sections so two derivations of one volume cannot both write version n + 1.
        sections = list(
            Section.objects.select_for_update().filter(volume=pair.label_free).order_by("z")
        )
        fl_ids = dict(Section.objects.filter(volume=pair.fluorescence).values_list("z", "id"))
        latest = dict(
            GroundTruth.objects.filter(section__volume=pair.label_free, source=SOURCE)
            .values("section_id")
            .annotate(top=Max("version"))
            .values_list("section_id", "top")
        )
        GroundTruth.objects.filter(
            section__volume=pair.label_free, source=SOURCE, is_current=True
        ).update(is_current=False)
        rows = []
        events = []
        for section in (s for s in sections if s.z in imaged):
            mask = masks[section.z - imaged.start]
            section_params = _section_params(params, info, pair, section.z, fl_ids)
            version = latest.get(section.pk, 0) + 1
            rows.append(
                GroundTruth(
                    section=section,
                    source=SOURCE,
                    version=version,
                    mask_png=encode_mask(mask),
                    foreground_pixels=int(np.count_nonzero(mask)),
                    method=params.method,
                    params=section_params,
                    reviewer=actor,
                    confirmed_at=now,
                    is_current=True,
                )
            )
            events.append(
                AuditEvent(
                    section=section,
                    actor=actor,
                    action=ReviewAction.FLUORESCENCE_GT,
                    at=now,
                    detail={
                        "version": version,
                        "method": params.method,
                        "scope": params.scope,
                        "threshold": section_params["threshold_used"],
                        "channel": pair.fluorescence.channel,
                        "pixels": int(np.count_nonzero(mask)),
                        "quality": section_params["quality"],
                        "stain_shift": section_params["stain_shift"],
                    },
                )
            )
        for row in rows:
            # Uniqueness is the database's job here (the sections are locked); one query per
            # row would make a 260-section volume slow for nothing.
            row.full_clean(
                exclude=["section", "reviewer", "input_revisions"],
                validate_unique=False,
                validate_constraints=False,
            )
        GroundTruth.objects.bulk_create(rows)
        AuditEvent.objects.bulk_create(events)
        created += len(rows)
    return created


def fluorescence_gt_preview(
    *, section: Section, params: FluorescenceGTParams, channel: str | None = None
) -> tuple[np.ndarray, dict[str, Any]]:
    """The mask the parameters would give for one label-free section, without storing it.

    Computed on the whole stack, as deriving does.
    """
    pairs = fluorescence_pairs(
        project=section.project, volumes=[section.volume_id], channel=channel
    )
    if not pairs:
        raise ConflictError("This section has no paired fluorescence stack.", code="no_stain")
    imaged = imaged_sections(pairs[0].fluorescence)
    if section.z not in imaged:
        raise ConflictError(
            f"Section z{section.z} lies outside the stain stack, which reaches sections "
            f"{imaged.start}–{imaged.stop - 1} only (docs/imports.md); it has no fluorescence "
            "ground truth.",
            code="outside_stain",
        )
    # The whole stack, whatever the scope: the volume threshold, 3D small-object removal and the
    # stain-signal levels all need it, and the preview must equal what deriving stores.
    masks, info = _aligned_masks(pairs[0].fluorescence, params)
    k = section.z - imaged.start
    return masks[k], _preview_info(info, k, pairs[0])


def _preview_info(info: dict[str, Any], k: int, pair: FluorescencePair) -> dict[str, Any]:
    return {
        "threshold_used": info["thresholds"][k],
        "volume_threshold": info["volume_threshold"],
        "channel": pair.fluorescence.channel,
        "quality": info["quality"][k],
        "half_maximum_fill": k in info["filled_sections"],
        **_shift_params(info),
    }
