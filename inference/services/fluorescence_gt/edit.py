"""A reviewer's correction of a fluorescence mask: one more version, never an overwrite."""

from __future__ import annotations

import numpy as np
from django.db import transaction
from django.utils import timezone

from annotations.imaging.masks import decode_mask, encode_mask
from annotations.models import AuditEvent, GroundTruth, ReviewAction, Role, Section
from annotations.permissions import require_role
from annotations.selectors.review import ground_truth_public
from cellweb.errors import ConflictError, InvalidInput, NotFoundError
from inference.ml.fluorescence import quality_flag

from .pairs import SOURCE

__all__ = ["fluorescence_gt_edit"]


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
            code="stale_version",
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
    if "stain_signal" in params:  # the flag follows the corrected mask
        params["quality"] = quality_flag(
            stain_signal=bool(params["stain_signal"]), has_mask=bool(final.any())
        )
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
