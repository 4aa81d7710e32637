"""A reviewer's correction of a fluorescence mask: one more version, never an overwrite."""

from __future__ import annotations

import numpy as np
from django.db import transaction
from django.utils import timezone

from annotations.imaging.errors import MaskError
from annotations.imaging.labels import encode_class_map
from annotations.imaging.masks import encode_mask
from annotations.models import GroundTruth, ReviewAction, Role, Section
from annotations.permissions import require_role
from annotations.selectors.review import ground_truth_public
from annotations.services.audit import audit
from cellweb.errors import ConflictError, InvalidInput, NotFoundError
from cellweb.words import as_clause
from inference.ml.fluorescence import quality_flag

from .labels import FluorescenceLabels, correction_labels, editor_labels, same_partition
from .pairs import SOURCE

__all__ = ["fluorescence_gt_edit"]


@transaction.atomic
def fluorescence_gt_edit(
    *,
    section: Section,
    user,
    mask: np.ndarray | None = None,
    mask_png: bytes | None = None,
    base_version: int | None,
) -> GroundTruth:
    """A reviewer's correction of the current fluorescence mask, stored as the next version.

    The correction is ``mask`` (a binary or class-map array) or ``mask_png`` (any stored mask:
    binary, class map or instance map, validated with the label codecs); see ``labels``.

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
    final = _correction(section, mask, mask_png)
    before = editor_labels(section.project, bytes(current.mask_png), section.shape)
    summary = _summary(before, final)
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
            stain_signal=bool(params["stain_signal"]), has_mask=bool(final.class_map.any())
        )
    truth = GroundTruth(
        section=section,
        source=SOURCE,
        version=top + 1,
        mask_png=final.png,
        foreground_pixels=int(np.count_nonzero(final.class_map)),
        method=current.method,
        params=params,
        reviewer=user,
        edited=any(summary.values()) or current.edited,
        edit_summary={**summary, "base_version": current.version},
        confirmed_at=timezone.now(),
        is_current=True,
    )
    truth.full_clean(exclude=["input_revisions"])  # no annotation revisions behind this mask
    truth.save()
    detail = {
        "source": SOURCE,
        "version": truth.version,
        "method": f"fluorescence {current.method}",
        **summary,
    }
    audit(section.pk, user, ReviewAction.EDIT_CONFIRM, detail)
    return truth


def _correction(section: Section, mask, mask_png: bytes | None) -> FluorescenceLabels:
    if mask_png is None:
        if mask is None:
            raise InvalidInput("Send the corrected mask.")
        array = np.asarray(mask)
        if array.shape != section.shape:
            raise InvalidInput(
                f"The mask is {array.shape[-1]}×{array.shape[0]} pixels but the section is "
                f"{section.shape[1]}×{section.shape[0]}."
            )
        if array.dtype == bool or array.max(initial=0) <= 1:
            mask_png = encode_mask(array != 0)  # a binary array: class 1, as before label sets
        else:
            mask_png = _class_map_png(array, section)
    return correction_labels(section.project, mask_png, section.shape)


def _class_map_png(array: np.ndarray, section: Section) -> bytes:
    values = [c["value"] for c in section.project.label_classes]
    if array.min() < 0 or array.max() > 255:
        raise InvalidInput("A class map holds class values 0-255.")
    try:
        return encode_class_map(array.astype(np.uint8), values)
    except MaskError as exc:
        raise InvalidInput(f"The corrected mask cannot be used: {as_clause(exc.message)}") from exc


def _summary(before: FluorescenceLabels, after: FluorescenceLabels) -> dict:
    """Pixels added and removed; in a labelled project also reclassified, and whether the
    nuclei changed (split, merged or redrawn)."""
    old, new = before.class_map, after.class_map
    summary = {
        "pixels_added": int(np.count_nonzero((new != 0) & (old == 0))),
        "pixels_removed": int(np.count_nonzero((old != 0) & (new == 0))),
    }
    if before.labelled:
        summary["pixels_reclassified"] = int(
            np.count_nonzero((old != 0) & (new != 0) & (old != new))
        )
        summary["instances_changed"] = not same_partition(before.instances, after.instances)
    return summary
