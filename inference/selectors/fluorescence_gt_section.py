"""Reads behind one section's fluorescence ground-truth page: its current mask over its image and
stain, every version, its neighbours and the review editor's configuration to correct it."""

from __future__ import annotations

from typing import Any

from annotations.models import GroundTruth, GroundTruthSource, Role, Section
from annotations.permissions import user_roles
from annotations.selectors.editor import section_editor_config
from annotations.selectors.review import audit_trail, b64
from annotations.selectors.review.minority import objects_outline_png
from inference.ml.fluorescence import QUALITY_FLAGS
from inference.reports.layers import contour_data_uri
from inference.selectors.stain_shift import stain_contour_style
from inference.services.fluorescence_gt.labels import editor_labels, mask_labels

SOURCE = GroundTruthSource.FLUORESCENCE


def _image_url(section_id: int, tint: str | None = None) -> str:
    return f"/api/sections/{section_id}/image.png" + (f"?tint={tint}" if tint else "")


def section_image_urls(section: Section) -> dict[str, str | None]:
    """The URLs of a label-free section's image and of its paired stain (green; null without
    one)."""
    return {
        "image_url": _image_url(section.pk),
        "stain_url": _image_url(section.fluorescence_id, "green")
        if section.fluorescence_id
        else None,
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
        **section_image_urls(section),
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
