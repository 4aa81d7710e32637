"""A specimen's voxel size set or corrected after import, by a manager.

A stack imported without a voxel size (an ImageJ spacing without a unit, a bare .npy) is counted
and scored but not measured in µm³, µm² or picograms (``imports/importer.py`` warns of it). Its
annotations must not be lost to mend it, so a manager gives the size here (the specimen page,
``PATCH /api/specimens/<id>/``, ``manage.py set_voxel_size``). Every volume of the specimen takes
it, its label-free volumes at every time point and the stains paired with them, which lie on the
same grid. Evaluations and predictions made from then on measure with it; results made before
keep the size they were measured with (``voxel_size`` on their rows, docs/imports.md).

The change is recorded in the audit trail of every label-free section of the specimen (who,
when, the size before and after) and in the server log.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from annotations.models import (
    LABEL_FREE_MODALITIES,
    AuditEvent,
    ReviewAction,
    Role,
    Section,
    Specimen,
    Volume,
)
from annotations.permissions import require_role
from annotations.selectors.voxel_size import voxel_size_words
from cellweb.errors import ConflictError, InvalidInput

__all__ = [
    "VOXEL_SIZE_RANGE_UM",
    "VoxelSizeChange",
    "specimen_voxel_size_set",
    "voxel_size_given",
]

logger = logging.getLogger(__name__)

# A plausible voxel edge: from a super-resolved 10 nm to a 100 µm slice of tissue.
VOXEL_SIZE_RANGE_UM = (0.01, 100.0)
_SHAPE = (
    "Give the voxel size as three numbers z,y,x in micrometres (e.g. 0.195,0.098,0.098), or "
    "y,x for a field of a single section."
)


@dataclass(frozen=True)
class VoxelSizeChange:
    voxel_size: tuple[float, float, float]
    previous: list[list[float] | None]  # the distinct sizes the volumes had, None: none
    volumes: int  # volumes whose size changed


def _number(value, axis: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"The voxel size's {axis} is not a number ({value!r}). {_SHAPE}")
    number = float(value)
    low, high = VOXEL_SIZE_RANGE_UM
    if not math.isfinite(number) or not low <= number <= high:
        raise InvalidInput(
            f"The voxel size's {axis} must be between {low:g} and {high:g} µm; got {value!r}."
        )
    return number


def voxel_size_given(values, *, sections: int) -> tuple[float, float, float]:
    """(z, y, x) µm from what a person gave for volumes of ``sections`` sections: three numbers
    z, y, x, or for a single section y, x (stored as y, y, x, as an import stores it). Anything
    else — not a list, other counts, text, true, NaN, 0, a negative number, outside
    ``VOXEL_SIZE_RANGE_UM`` — is a 400 that says what to give."""
    if not isinstance(values, list | tuple) or len(values) not in (2, 3):
        raise InvalidInput(_SHAPE)
    if len(values) == 2 and sections > 1:
        raise InvalidInput(
            f"This specimen's stacks have {sections} sections: give the voxel size as three "
            "numbers z,y,x in micrometres, e.g. 0.195,0.098,0.098."
        )
    axes = ("z", "y", "x") if len(values) == 3 else ("y", "x")
    numbers = [_number(v, axis) for v, axis in zip(values, axes, strict=True)]
    if len(numbers) == 2:
        numbers.insert(0, numbers[0])
    return (numbers[0], numbers[1], numbers[2])


def _audited(volumes: list[Volume]) -> dict[int, Volume]:
    """{label-free volume id: the changed volume its sections' trail records}: each changed
    label-free volume itself, and a changed stain whose label-free partner kept its size."""
    changed = {v.pk for v in volumes}
    audited = {v.pk: v for v in volumes if v.modality in LABEL_FREE_MODALITIES}
    for v in volumes:
        if v.pk not in audited and v.paired_with_id and v.paired_with_id not in changed:
            audited.setdefault(v.paired_with_id, v)
    return audited


def _audit(volumes: list[Volume], user, voxel_size, now) -> None:
    audited = _audited(volumes)
    events = (
        AuditEvent(
            section_id=pk,
            actor=user,
            action=ReviewAction.VOXEL_SIZE,
            at=now,
            detail={
                "voxel_size": list(voxel_size),
                "previous": list(audited[lf].voxel_size) if audited[lf].voxel_size else None,
                "volume_id": audited[lf].pk,
            },
        )
        for pk, lf in Section.objects.filter(volume_id__in=audited).values_list("pk", "volume_id")
    )
    AuditEvent.objects.bulk_create(events, batch_size=1000)


@transaction.atomic
def specimen_voxel_size_set(*, specimen: Specimen, user, values) -> VoxelSizeChange:
    """Give every volume of ``specimen`` the voxel size ``values`` ([z, y, x] µm, or [y, x] for
    single sections). Managers only (``user`` None: a command acting as no one). The values are
    checked before anything is written, and the volumes change together or not at all; volumes
    that already have the size are left as they are (no audit event)."""
    if user is not None:
        require_role(user, specimen.project, Role.MANAGER)
    volumes = list(Volume.objects.select_for_update().filter(specimen=specimen).order_by("pk"))
    if not volumes:
        raise ConflictError(
            f"Specimen “{specimen.name}” has no images yet; there is no voxel size to set.",
            code="specimen_without_images",
        )
    size = voxel_size_given(values, sections=max(v.size_z for v in volumes))
    changed = [v for v in volumes if v.voxel_size != size]
    previous = list(dict.fromkeys(v.voxel_size for v in changed))
    if changed:
        _audit(
            changed,
            user if getattr(user, "is_authenticated", False) else None,
            size,
            now=timezone.now(),
        )
        Volume.objects.filter(pk__in=[v.pk for v in changed]).update(
            voxel_size_z=size[0], voxel_size_y=size[1], voxel_size_x=size[2]
        )
        logger.info(
            "Specimen %s (%s): voxel size %s → %s on %d volume(s), set by %s",
            specimen.pk,
            specimen.name,
            "; ".join(voxel_size_words(p) for p in previous),
            voxel_size_words(size),
            len(changed),
            user.get_username() if user is not None else "the command line",
        )
    return VoxelSizeChange(
        voxel_size=size,
        previous=[list(p) if p else None for p in previous],
        volumes=len(changed),
    )
