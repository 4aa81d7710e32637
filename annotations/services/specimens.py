"""A specimen's facts a manager may correct after import: the time between its time points, and
(``voxel_size.py``) the voxel size of its volumes.

The frame interval is read from the file or given at import (docs/imports.md); a file of one
frame seldom records it, and a lab sometimes gives a wrong one. Everything derived from it
(``time_min`` of the predictions' API, CSV, page and charts) is computed when read
(``inference/selectors/prediction.py``), so a new value holds everywhere at once, for results
predicted before the change too.
"""

from __future__ import annotations

import logging

from django.db import transaction

from annotations.models import Role, Specimen
from annotations.permissions import require_role
from annotations.services.imports.series import frame_interval_check
from annotations.services.voxel_size import specimen_voxel_size_set

__all__ = ["specimen_frame_interval_set", "specimen_update"]

logger = logging.getLogger(__name__)


@transaction.atomic
def specimen_frame_interval_set(*, specimen: Specimen, user, minutes) -> Specimen:
    """Set (a number of minutes above 0) or clear (None or empty) the time between
    ``specimen``'s time points (managers only). A value that is not a number, or 0 or below,
    is refused (400) and nothing changes. Who changed it, from what to what, goes to the log."""
    require_role(user, specimen.project, Role.MANAGER)
    value = frame_interval_check(minutes)
    specimen = Specimen.objects.select_for_update().get(pk=specimen.pk)
    previous = specimen.frame_interval_min
    specimen.frame_interval_min = value
    specimen.full_clean()
    specimen.save(update_fields=["frame_interval_min"])
    logger.info(
        "Specimen %s (%s): frame interval %s → %s min, set by %s",
        specimen.pk,
        specimen.name,
        previous,
        value,
        user.get_username(),
    )
    return specimen


@transaction.atomic
def specimen_update(*, specimen: Specimen, user, values: dict) -> Specimen:
    """A PATCH of the specimen: the frame interval and the voxel size of ``values``, each only
    where given, together or not at all (a refused voxel size leaves the interval unchanged)."""
    require_role(user, specimen.project, Role.MANAGER)
    if "frame_interval_min" in values:
        specimen = specimen_frame_interval_set(
            specimen=specimen, user=user, minutes=values["frame_interval_min"]
        )
    if "voxel_size" in values:
        specimen_voxel_size_set(specimen=specimen, user=user, values=values["voxel_size"])
    return specimen
