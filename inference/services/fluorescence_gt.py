"""Ground truth derived from a paired nuclear-stain stack (DAPI, Hoechst): paper 000's
cross-modality and cross-laboratory masks, "directly obtained by thresholding the fluorescence
images that were simultaneously obtained with ODT".

Masks belong to the LABEL-FREE section (the image a network sees), as ``GroundTruth`` rows with
``source="fluorescence"``, versioned like confirmed consensus: deriving again adds a version and
the previous one stops being current; nothing is overwritten. Every parameter, the threshold
actually used for the section and the stain section it came from are stored in ``params`` and
shown wherever the mask is shown. A reviewer may correct a mask; the correction is one more
version (``edited``), with the pixels added and removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from annotations.imaging.masks import decode_mask, encode_mask
from annotations.models import (
    LABEL_FREE_MODALITIES,
    AuditEvent,
    GroundTruth,
    GroundTruthSource,
    Modality,
    Project,
    ReviewAction,
    Role,
    Section,
    Specimen,
    Volume,
)
from annotations.permissions import require_role
from annotations.selectors.review import ground_truth_public
from annotations.services.volumes import volume_array
from cellweb.errors import ConflictError, InvalidInput, NotFoundError
from inference.ml.fluorescence import FluorescenceGTParams, fluorescence_ground_truth

__all__ = [
    "NUCLEAR_STAINS",
    "FluorescencePair",
    "fluorescence_gt_create",
    "fluorescence_gt_edit",
    "fluorescence_gt_params",
    "fluorescence_gt_preview",
    "fluorescence_pairs",
]

# Channel names that say "nuclear stain"; with several fluorescence channels one of these wins.
NUCLEAR_STAINS = ("dapi", "hoechst", "nuclear", "nucleus", "draq5", "sytox")
SOURCE = GroundTruthSource.FLUORESCENCE


@dataclass(frozen=True)
class FluorescencePair:
    label_free: Volume
    fluorescence: Volume


def fluorescence_gt_params(data: dict[str, Any] | None = None) -> FluorescenceGTParams:
    """Parameters from a plain dict (form, API, command), with a clear message when invalid."""
    data = dict(data or {})
    known = set(FluorescenceGTParams.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(f"Unknown fluorescence parameter(s): {', '.join(unknown)}.")
    if data.get("value") in ("", None):
        data["value"] = None
    try:
        return FluorescenceGTParams(**data)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"Invalid fluorescence parameters: {exc}") from None


def _stain_rank(volume: Volume) -> tuple[int, str]:
    name = volume.channel.lower()
    return (0 if any(stain in name for stain in NUCLEAR_STAINS) else 1, volume.channel)


def fluorescence_pairs(
    *,
    project: Project,
    specimens: Iterable[Specimen | int] | None = None,
    volumes: Iterable[Volume | int] | None = None,
    channel: str | None = None,
) -> list[FluorescencePair]:
    """Label-free volumes of ``project`` with their paired stain stack, in a stable order.

    With several fluorescence channels for one label-free volume, ``channel`` picks one by
    name; otherwise a channel named like a nuclear stain (DAPI, Hoechst...) wins, then the
    first by name.
    """
    label_free = Volume.objects.filter(
        specimen__project=project, modality__in=LABEL_FREE_MODALITIES
    ).select_related("specimen")
    if specimens is not None:
        ids = [s.pk if isinstance(s, Specimen) else int(s) for s in specimens]
        label_free = label_free.filter(specimen_id__in=ids)
    if volumes is not None:
        ids = [v.pk if isinstance(v, Volume) else int(v) for v in volumes]
        label_free = label_free.filter(pk__in=ids)
    label_free = list(label_free.order_by("specimen__name", "specimen_id", "time_index", "id"))
    stains: dict[int, list[Volume]] = {}
    for stain in Volume.objects.filter(
        paired_with__in=[v.pk for v in label_free], modality=Modality.FLUORESCENCE
    ):
        stains.setdefault(stain.paired_with_id, []).append(stain)
    pairs = []
    for volume in label_free:
        candidates = stains.get(volume.pk, [])
        if channel:
            candidates = [c for c in candidates if c.channel.lower() == channel.lower()]
        if not candidates:
            continue
        chosen = sorted(candidates, key=_stain_rank)[0]
        if chosen.shape != volume.shape:
            continue  # volume_create refuses such pairs; stay safe with older data
        pairs.append(FluorescencePair(label_free=volume, fluorescence=chosen))
    return pairs


def _stain_stack(volume: Volume) -> np.ndarray:
    return np.asarray(volume_array(volume), dtype=np.float32)


def _section_params(
    params: FluorescenceGTParams, info: dict[str, Any], pair: FluorescencePair, z: int, fl_ids
) -> dict[str, Any]:
    threshold = info["thresholds"][z]
    return {
        **params.to_dict(),
        "threshold_used": threshold,
        "volume_threshold": info["volume_threshold"],
        "channel": pair.fluorescence.channel,
        "fluorescence_volume_id": pair.fluorescence.pk,
        "fluorescence_section_id": fl_ids.get(z),
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
        require_role(user, project, Role.REVIEWER, Role.MANAGER)
    params = params or FluorescenceGTParams()
    pairs = fluorescence_pairs(
        project=project, specimens=specimens, volumes=volumes, channel=channel
    )
    if not pairs:
        which = f" with a “{channel}” channel" if channel else ""
        raise InvalidInput(
            "No label-free volume in this selection has a paired fluorescence stack"
            f"{which}; import the stain (same specimen and time point) first."
        )
    actor = user if getattr(user, "is_authenticated", False) else None
    now = timezone.now()
    created = 0
    for pair in pairs:
        masks, info = fluorescence_ground_truth(_stain_stack(pair.fluorescence), params)
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
        for section in sections:
            mask = masks[section.z]
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

    ``scope="volume"`` thresholds need the whole stack, so they are computed on it.
    """
    pairs = fluorescence_pairs(
        project=section.project, volumes=[section.volume_id], channel=channel
    )
    if not pairs:
        raise InvalidInput("This section has no paired fluorescence stack.")
    stack = _stain_stack(pairs[0].fluorescence)
    if params.scope == "volume" and params.method == "otsu":
        masks, info = fluorescence_ground_truth(stack, params)
        return masks[section.z], {
            "threshold_used": info["thresholds"][section.z],
            "volume_threshold": info["volume_threshold"],
            "channel": pairs[0].fluorescence.channel,
        }
    mask, info = fluorescence_ground_truth(stack[section.z], params)
    return mask, {
        "threshold_used": info["thresholds"][0],
        "volume_threshold": info["volume_threshold"],
        "channel": pairs[0].fluorescence.channel,
    }


@transaction.atomic
def fluorescence_gt_edit(
    *, section: Section, user, mask: np.ndarray, base_version: int | None
) -> GroundTruth:
    """A reviewer's correction of the current fluorescence mask, stored as the next version.

    ``base_version`` is the version the reviewer edited; if another version became current
    meanwhile the edit is refused with the current one (ConflictError), as in consensus review.
    """
    require_role(user, section.project, Role.REVIEWER)
    section = (
        Section.objects.select_for_update(of=("self",)).select_related("volume").get(pk=section.pk)
    )
    current = (
        GroundTruth.objects.filter(section=section, source=SOURCE, is_current=True)
        .select_related("reviewer")
        .first()
    )
    if current is None:
        raise NotFoundError("This section has no fluorescence ground truth to correct.")
    if base_version != current.version:
        who = current.reviewer.get_username() if current.reviewer else "the system"
        raise ConflictError(
            f"Version {current.version} (by {who}) replaced the one you edited; reload and "
            "correct the current mask.",
            current=ground_truth_public(current),
        )
    final = np.asarray(mask) != 0
    if final.shape != section.shape:
        raise InvalidInput(
            f"The mask is {final.shape[-1]}×{final.shape[0]} pixels but the section is "
            f"{section.shape[1]}×{section.shape[0]}."
        )
    before = decode_mask(bytes(current.mask_png), section.shape)
    added = int(np.count_nonzero(final & ~before))
    removed = int(np.count_nonzero(before & ~final))
    top = (
        GroundTruth.objects.filter(section=section, source=SOURCE)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    ) or 0
    current.is_current = False
    current.save(update_fields=["is_current"])
    params = dict(current.params or {})
    params["edited_from_version"] = current.version
    truth = GroundTruth(
        section=section,
        source=SOURCE,
        version=top + 1,
        mask_png=encode_mask(final),
        foreground_pixels=int(np.count_nonzero(final)),
        method=current.method,
        params=params,
        reviewer=user,
        edited=bool(added or removed) or current.edited,
        edit_summary={
            "pixels_added": added,
            "pixels_removed": removed,
            "base_version": current.version,
        },
        confirmed_at=timezone.now(),
        is_current=True,
    )
    truth.full_clean(exclude=["input_revisions"])  # no annotation revisions behind this mask
    truth.save()
    AuditEvent.objects.create(
        section=section,
        actor=user,
        action=ReviewAction.EDIT_CONFIRM,
        detail={
            "source": SOURCE,
            "version": truth.version,
            "method": f"fluorescence {current.method}",
            "pixels_added": added,
            "pixels_removed": removed,
        },
    )
    return truth
