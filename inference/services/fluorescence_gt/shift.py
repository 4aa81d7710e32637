"""A reviewer's confirmed shift between a stain and its label-free image: stored on the stain
volume, recorded in the audit trail, and followed by a new derivation of the fluorescence ground
truth it moves. Nothing here runs by itself: the estimate only suggests (``stain_shift_estimate``).

The shift belongs to one stain volume (one channel at one time point): a chromatic offset
differs per channel, and a stage may drift between time points. ``series=True`` sets every
time point of the specimen's channel at once, the common case of one filter cube for a whole
time-lapse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from annotations.models import (
    AuditEvent,
    GroundTruth,
    Modality,
    ReviewAction,
    Role,
    Section,
    Volume,
)
from annotations.permissions import require_role
from annotations.services.volumes import first_channel, volume_array
from cellweb.errors import ConflictError, InvalidInput, NotFoundError
from inference.ml.fluorescence import FluorescenceGTParams
from inference.ml.stain_shift import ShiftEstimate, estimate_stain_shift, max_stain_shift

from .derive import fluorescence_gt_create, imaged_sections
from .pairs import SOURCE

__all__ = [
    "StainShiftResult",
    "stain_shift_estimate",
    "stain_shift_public",
    "stain_shift_set",
    "stain_volume_check",
]


@dataclass(frozen=True)
class StainShiftResult:
    shift: tuple[int, int]
    version: int
    volumes: int  # stain volumes whose shift changed
    rederived: int  # fluorescence ground-truth versions derived again


def stain_volume_check(volume: Volume) -> None:
    """Refuse a volume that is not a stain paired with a label-free image (it has no shift)."""
    if volume.modality != Modality.FLUORESCENCE or volume.paired_with_id is None:
        raise NotFoundError(
            "A stain shift belongs to a fluorescence volume paired with a label-free image; "
            f"volume {volume.pk} is {volume.modality}"
            + ("" if volume.paired_with_id else " without a label-free partner")
            + "."
        )


def _check_bounds(volume: Volume, dy: int, dx: int) -> None:
    limit_y, limit_x = max_stain_shift((volume.size_y, volume.size_x))
    if abs(dy) > limit_y or abs(dx) > limit_x:
        raise InvalidInput(
            f"A shift of ({dy}, {dx}) px is refused: at most ±{limit_y} rows and ±{limit_x} "
            f"columns (a quarter of the {volume.size_y}×{volume.size_x} section). An optical "
            "offset is a few pixels; a larger one is likely a wrong estimate."
        )


def _derived_params(label_free: Volume, stain: Volume) -> FluorescenceGTParams | None:
    """The parameters of the current fluorescence ground truth derived from ``stain``, or None
    where the label-free volume has none from it (then there is nothing to derive again)."""
    truth = (
        GroundTruth.objects.filter(
            section__volume=label_free,
            source=SOURCE,
            is_current=True,
            params__fluorescence_volume_id=stain.pk,
        )
        .order_by("-confirmed_at", "-pk")
        .first()
    )
    if truth is None:
        return None
    known = FluorescenceGTParams.__dataclass_fields__
    return FluorescenceGTParams(**{k: v for k, v in truth.params.items() if k in known})


def _audit(stain: Volume, user, previous: tuple[int, int], now) -> None:
    detail = {
        "stain_shift": [stain.stain_shift_y, stain.stain_shift_x],
        "previous": list(previous),
        "channel": stain.channel,
        "fluorescence_volume_id": stain.pk,
        "shift_version": stain.stain_shift_version,
    }
    AuditEvent.objects.bulk_create(
        AuditEvent(
            section_id=pk, actor=user, action=ReviewAction.STAIN_SHIFT, at=now, detail=detail
        )
        for pk in Section.objects.filter(volume_id=stain.paired_with_id).values_list(
            "pk", flat=True
        )
    )


@transaction.atomic
def stain_shift_set(
    *,
    stain: Volume,
    user,
    dy: int,
    dx: int,
    base_version: int | None,
    series: bool = False,
) -> StainShiftResult:
    """Store ``(dy, dx)`` as the shift of ``stain`` (and of its channel's other time points with
    ``series``) and derive its fluorescence ground truth again with the parameters it had.

    ``base_version`` is the shift version the reviewer saw; if it changed meanwhile the edit is
    refused (ConflictError ``stale_stain_shift``). ``user`` None is the system (a script).
    """
    if user is not None:
        require_role(user, stain.specimen.project, Role.REVIEWER)
    stain_volume_check(stain)
    _check_bounds(stain, dy, dx)
    stain = Volume.objects.select_for_update().get(pk=stain.pk)
    if base_version is not None and base_version != stain.stain_shift_version:
        raise ConflictError(
            f"The shift of this stain is now ({stain.stain_shift_y}, {stain.stain_shift_x}) px "
            f"(version {stain.stain_shift_version}), set since you loaded version "
            f"{base_version}; reload and confirm again.",
            code="stale_stain_shift",
            current=stain_shift_public(stain),
        )
    targets = [stain]
    if series:
        targets += list(
            Volume.objects.select_for_update()
            .filter(
                specimen_id=stain.specimen_id,
                modality=Modality.FLUORESCENCE,
                channel=stain.channel,
                paired_with__isnull=False,
            )
            .exclude(pk=stain.pk)
            .order_by("time_index")
        )
    actor = user if getattr(user, "is_authenticated", False) else None
    now = timezone.now()
    changed = rederived = 0
    for target in targets:
        previous = target.stain_shift
        if previous == (dy, dx):
            continue
        _check_bounds(target, dy, dx)
        target.stain_shift_y, target.stain_shift_x = dy, dx
        target.stain_shift_version += 1
        target.save(update_fields=["stain_shift_y", "stain_shift_x", "stain_shift_version"])
        _audit(target, actor, previous, now)
        changed += 1
        params = _derived_params(target.paired_with, target)
        if params is not None:
            rederived += fluorescence_gt_create(
                project=stain.specimen.project,
                user=user,
                params=params,
                volumes=[target.paired_with_id],
                channel=target.channel,
            )
    stain.refresh_from_db()
    return StainShiftResult(
        shift=stain.stain_shift,
        version=stain.stain_shift_version,
        volumes=changed,
        rederived=rederived,
    )


def stain_shift_public(stain: Volume) -> dict[str, Any]:
    """The stored shift as the API and the page show it."""
    limit_y, limit_x = max_stain_shift((stain.size_y, stain.size_x))
    last = (
        AuditEvent.objects.filter(
            section__volume_id=stain.paired_with_id,
            action=ReviewAction.STAIN_SHIFT,
            detail__fluorescence_volume_id=stain.pk,
        )
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )
    return {
        "fluorescence_volume_id": stain.pk,
        "label_free_volume_id": stain.paired_with_id,
        "channel": stain.channel,
        "dy": stain.stain_shift_y,
        "dx": stain.stain_shift_x,
        "version": stain.stain_shift_version,
        "max_dy": limit_y,
        "max_dx": limit_x,
        "set_by": last.actor.get_username() if last and last.actor else None,
        "set_at": last.at.isoformat() if last else None,
    }


def stain_shift_estimate(*, stain: Volume, z: int | None = None) -> tuple[ShiftEstimate, int]:
    """Suggest a shift from one section (``z``, default the middle of those the stain images)
    of the stain and its label-free partner (its first channel), and that ``z``. Stores
    nothing."""
    stain_volume_check(stain)
    label_free = stain.paired_with
    imaged = imaged_sections(stain)
    z = (imaged.start + imaged.stop - 1) // 2 if z is None else z
    if z not in imaged:
        raise InvalidInput(
            f"Section z{z} holds no stain: the stain images z{imaged.start}–z{imaged.stop - 1}."
        )
    estimate = estimate_stain_shift(
        first_channel(volume_array(label_free))[z],
        volume_array(stain)[z],
        inverted_modality=label_free.modality == Modality.RI,
    )
    return estimate, z
