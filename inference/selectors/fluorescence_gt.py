"""Reads behind the fluorescence ground-truth pages: the project overview (paired volumes, how
many sections have a mask, the sections to preview), a preview that stores nothing, and one
section's mask with its versions and the review editor's configuration."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db.models import Count

from annotations.models import GroundTruth, GroundTruthSource, Project, Role, Section
from annotations.permissions import user_roles
from annotations.selectors.editor import section_editor_config
from annotations.selectors.review import audit_trail, b64
from annotations.selectors.review.minority import objects_outline_png
from cellweb.errors import InvalidInput
from inference.ml.fluorescence import QUALITY_FLAGS, FluorescenceGTParams
from inference.reports.layers import contour_data_uri
from inference.selectors.stain_shift import stain_contour_style
from inference.services.fluorescence_gt import (
    FLAGGED,
    fluorescence_gt_preview,
    fluorescence_pairs,
)
from inference.services.fluorescence_gt.labels import editor_labels, mask_labels

__all__ = [
    "FLAGGED_LISTED_MAX",
    "PREVIEW_SECTIONS_MAX_VOLUMES",
    "fluorescence_flag_counts",
    "fluorescence_flags",
    "fluorescence_gt_overview",
    "fluorescence_gt_preview_page",
    "section_fluorescence_gt",
]

PREVIEW_SECTIONS_MAX_VOLUMES = 200
FLAGGED_LISTED_MAX = 500
SOURCE = GroundTruthSource.FLUORESCENCE


def _image_url(section_id: int, tint: str | None = None) -> str:
    return f"/api/sections/{section_id}/image.png" + (f"?tint={tint}" if tint else "")


def fluorescence_flags(
    *, ground_truth_ids: list[int] | None = None, section_ids: list[int] | None = None
) -> dict[int, dict[str, str]]:
    """Quality flags by section id: of the given fluorescence ground-truth versions (what an
    evaluation scored against), or of the current version of the given sections."""
    truths = GroundTruth.objects.filter(FLAGGED, source=SOURCE)
    if ground_truth_ids is not None:
        truths = truths.filter(pk__in=ground_truth_ids)
    if section_ids is not None:
        truths = truths.filter(section_id__in=section_ids)
    if ground_truth_ids is None:
        truths = truths.filter(is_current=True)
    return {
        section_id: {"flag": flag, "label": QUALITY_FLAGS.get(flag, flag)}
        for section_id, flag in truths.values_list("section_id", "params__quality")
    }


def fluorescence_flag_counts(volume_ids: list[int]) -> list[dict[str, Any]]:
    """How many current fluorescence masks of these label-free volumes carry each flag."""
    counts = dict(
        GroundTruth.objects.filter(
            FLAGGED, section__volume_id__in=volume_ids, source=SOURCE, is_current=True
        )
        .values_list("params__quality")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [
        {"flag": key, "label": label, "n": counts.get(key, 0)}
        for key, label in QUALITY_FLAGS.items()
    ]


def _flagged_sections(volume_ids: list[int]) -> dict[str, Any]:
    """Current fluorescence masks whose stain and mask disagree, in stack order (the first
    ``FLAGGED_LISTED_MAX``), with the count of each flag."""
    flagged = GroundTruth.objects.filter(
        FLAGGED, section__volume_id__in=volume_ids, source=SOURCE, is_current=True
    )
    counts = fluorescence_flag_counts(volume_ids)
    rows = flagged.order_by(
        "section__specimen__name",
        "section__volume__time_index",
        "section__volume_id",
        "section__z",
    ).values_list(
        "section_id",
        "section__specimen__name",
        "section__volume__time_index",
        "section__z",
        "params__quality",
        "foreground_pixels",
    )[:FLAGGED_LISTED_MAX]
    return {
        "flagged": [
            {
                "id": section_id,
                "label": f"{specimen} · t{time_index} · z{z}",
                "flag": flag,
                "flag_label": QUALITY_FLAGS.get(flag, flag),
                "pixels": pixels,
            }
            for section_id, specimen, time_index, z, flag, pixels in rows
        ],
        "flag_counts": counts,
        "flagged_total": sum(c["n"] for c in counts),
    }


def fluorescence_gt_overview(project: Project) -> dict[str, Any]:
    """Paired volumes with their counts, and the label-free sections one may preview."""
    pairs = fluorescence_pairs(project=project)
    volume_ids = [p.label_free.pk for p in pairs]
    counts = dict(
        GroundTruth.objects.filter(
            section__volume_id__in=volume_ids, source=SOURCE, is_current=True
        )
        .values_list("section__volume_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    first = dict(
        Section.objects.filter(volume_id__in=volume_ids, z=0).values_list("volume_id", "id")
    )
    listed = {p.label_free.pk: p for p in pairs[:PREVIEW_SECTIONS_MAX_VOLUMES]}
    sections = [
        {
            "id": section_id,
            "label": f"{listed[volume_id].label_free.specimen.name} · "
            f"t{listed[volume_id].label_free.time_index} · z{z}",
        }
        for section_id, volume_id, z in Section.objects.filter(volume_id__in=list(listed))
        .order_by(
            "volume__specimen__name", "volume__specimen_id", "volume__time_index", "volume_id", "z"
        )
        .values_list("id", "volume_id", "z")
    ]
    return {
        "pairs": [
            {
                "specimen": p.label_free.specimen.name,
                "lab": p.label_free.specimen.lab,
                "time_index": p.label_free.time_index,
                "modality": p.label_free.get_modality_display(),
                "channel": p.fluorescence.channel or "—",
                "sections": p.label_free.size_z,
                "with_gt": counts.get(p.label_free.pk, 0),
                "first_section": first.get(p.label_free.pk),
                "stain_id": p.fluorescence.pk,
                "shift": p.fluorescence.stain_shift,
            }
            for p in pairs
        ],
        "sections": sections,
        "volumes": len(pairs),
        **_flagged_sections(volume_ids),
    }


def fluorescence_gt_preview_page(
    project: Project,
    *,
    section_id: int | None,
    params: FluorescenceGTParams,
    channel: str | None,
) -> dict[str, Any]:
    """The mask ``params`` would give for one section (default: the middle section of the
    first paired volume), drawn over the section and its stain; nothing is stored. Raises
    InvalidInput when the section has no paired stain."""
    sections = Section.objects.select_related("volume", "specimen", "project", "fluorescence")
    if section_id:
        section = sections.filter(pk=section_id, project=project, is_label_free=True).first()
    else:
        pairs = fluorescence_pairs(project=project)
        volume = pairs[0].label_free if pairs else None
        section = sections.filter(volume=volume, z=volume.size_z // 2).first() if volume else None
    if section is None:
        raise InvalidInput("Choose a label-free section of this project with a paired stain.")
    mask, info = fluorescence_gt_preview(section=section, params=params, channel=channel)
    return {
        "section": section,
        "image_url": _image_url(section.pk),
        "stain_url": _image_url(section.fluorescence_id, "green")
        if section.fluorescence_id
        else None,
        "contour": contour_data_uri(mask),
        "stain_contour_style": stain_contour_style(info, section.shape),
        "pixels": int(np.count_nonzero(mask)),
        "info": info,
        "quality_label": QUALITY_FLAGS.get(info.get("quality")),
    }


def _review_config(
    section: Section,
    truth: GroundTruth,
    *,
    can_act: bool,
    next_id: int | None,
    csrf_token: str,
    user=None,
) -> dict[str, Any]:
    """The ``review`` module with the fluorescence mask as its proposal; Confirm stores the
    (edited) mask as the next fluorescence version. In a project with classes or instances the
    mask is edited as labels (``labels.editor_labels``: nuclei split by watershed)."""
    loaded = editor_labels(section.project, bytes(truth.mask_png), section.shape)
    return section_editor_config(
        section=section,
        module="review",
        csrf_token=csrf_token,
        read_only=not can_act,
        label_prefix="fluorescence ground truth",
        neighbours=False,
        user=user,
        extra={
            "annotations": [],
            "proposalName": "fluorescence mask",
            "annotatorTools": False,
            "consensus": {
                "id": truth.pk,
                "method": f"{truth.method} v{truth.version}",
                "mask_png": b64(loaded.png),
                "labelled": loaded.labelled,
                "outline_png": objects_outline_png(section, loaded.png)
                if loaded.labelled
                else None,
            },
            "disagreement_png": None,
            "agreement": None,
            "groundTruth": {
                "version": truth.version,
                "mask_png": b64(truth.mask_png),
                "stale": False,
            },
            "actions": {"confirm": f"/api/sections/{section.pk}/fluorescence-gt/confirm/"}
            if can_act
            else {},
            "annotators": [],
            "nextUrl": f"/sections/{next_id}/fluorescence-gt/" if next_id else None,
            "auditUrl": f"/api/sections/{section.pk}/audit/",
            "status": section.status,
        },
    )


def section_fluorescence_gt(section: Section, *, user, csrf_token: str) -> dict[str, Any]:
    """One section's current fluorescence mask over its image and stain, every version, the
    neighbouring sections and, when there is a mask, the review editor to correct it."""
    truth = (
        GroundTruth.objects.filter(section=section, source=SOURCE, is_current=True)
        .select_related("reviewer")
        .first()
    )
    versions = list(
        GroundTruth.objects.filter(section=section, source=SOURCE)
        .select_related("reviewer")
        .defer("mask_png")
        .order_by("-version")[:50]
    )
    neighbours = {"prev": None, "next": None}
    for neighbour_id, z in Section.objects.filter(
        volume=section.volume, z__in=[section.z - 1, section.z + 1]
    ).values_list("id", "z"):
        neighbours["prev" if z < section.z else "next"] = neighbour_id
    is_reviewer = Role.REVIEWER in user_roles(user, section.project)
    context = {
        "section": section,
        "neighbours": neighbours,
        "truth": truth,
        "versions": versions,
        "image_url": _image_url(section.pk),
        "stain_url": _image_url(section.fluorescence_id, "green")
        if section.fluorescence_id
        else None,
        "audit": [
            e
            for e in audit_trail(section)
            if e["action"] in ("fluorescence_gt", "edit_confirm", "stain_shift")
        ],
        "is_reviewer": is_reviewer,
        "quality": QUALITY_FLAGS.get((truth.params or {}).get("quality"))
        if truth is not None
        else None,
    }
    if truth is not None:
        mask = mask_labels(section.project, bytes(truth.mask_png), section.shape).class_map
        context["contour"] = contour_data_uri(mask != 0)
        context["stain_contour_style"] = stain_contour_style(truth.params, section.shape)
        context["config"] = _review_config(
            section,
            truth,
            can_act=is_reviewer,
            next_id=neighbours["next"],
            csrf_token=csrf_token,
            user=user,
        )
    return context
