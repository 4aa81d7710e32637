"""The stain-shift card of the fluorescence ground-truth page: the stains a reviewer can align,
and for the chosen one its stored shift, the label-free section to align on and the outline of
the stain's nuclei there (thresholded as imaged, unshifted: the page moves it). Stores nothing."""

from __future__ import annotations

from typing import Any

from annotations.models import Modality, Project, Role, Section, Volume
from annotations.permissions import user_roles
from annotations.services.volumes import volume_array
from inference.ml.fluorescence import FluorescenceGTParams, fluorescence_ground_truth
from inference.reports.layers import contour_data_uri
from inference.services.fluorescence_gt import stain_shift_public
from inference.services.fluorescence_gt.derive import imaged_sections

__all__ = ["STAIN_CHOICES_MAX", "stain_contour_style", "stain_shift_panel"]

STAIN_CHOICES_MAX = 200
OUTLINE_COLOUR = (60, 255, 90)  # green: the stain, beside the red ground truth


def stain_contour_style(params: dict[str, Any] | None, shape: tuple[int, int]) -> str:
    """The CSS that puts a mask of the label-free grid over the raw stain it came from: moved
    back by the stain's shift (``params["stain_shift"]``); empty when it was not shifted."""
    dy, dx = (params or {}).get("stain_shift") or (0, 0)
    if (dy, dx) == (0, 0):
        return ""
    return f"transform: translate({-100 * dx / shape[1]:.4f}%, {-100 * dy / shape[0]:.4f}%)"


def _label(stain: Volume) -> str:
    channel = stain.channel or "stain"
    return f"{stain.specimen.name} · t{stain.time_index} · {channel}"


def stain_shift_panel(project: Project, *, stain_id: int | None, user) -> dict[str, Any] | None:
    """The card's content and its front-end configuration; None when no stain is paired."""
    stains = list(
        Volume.objects.filter(
            specimen__project=project,
            modality=Modality.FLUORESCENCE,
            paired_with__isnull=False,
        )
        .select_related("specimen", "paired_with")
        .order_by("specimen__name", "specimen_id", "time_index", "channel", "id")[
            :STAIN_CHOICES_MAX
        ]
    )
    if not stains:
        return None
    stain = next((s for s in stains if s.pk == stain_id), stains[0])
    imaged = imaged_sections(stain)
    z = (imaged.start + imaged.stop - 1) // 2
    section = Section.objects.get(volume_id=stain.paired_with_id, z=z)
    # The stain's nuclei as thresholding sees them, nuclei at the border kept: the reviewer
    # aligns outlines, not the ground truth's rules.
    nuclei, _ = fluorescence_ground_truth(
        volume_array(stain)[z], FluorescenceGTParams(remove_border=False)
    )
    public = stain_shift_public(stain)
    can_set = Role.REVIEWER in user_roles(user, project)
    return {
        "stain": stain,
        "label": _label(stain),
        "choices": [{"id": s.pk, "label": _label(s)} for s in stains],
        "shift": public,
        "z": z,
        "modality": stain.paired_with.get_modality_display(),
        "is_ri": stain.paired_with.modality == Modality.RI,
        "image_url": f"/api/sections/{section.pk}/image.png",
        "outline": contour_data_uri(nuclei, OUTLINE_COLOUR),
        "can_set": can_set,
        "config": {
            "module": "stainshift",
            "api": f"/api/volumes/{stain.pk}/stain-shift/",
            "estimateUrl": f"/api/volumes/{stain.pk}/stain-shift/estimate/?z={z}",
            "dy": public["dy"],
            "dx": public["dx"],
            "version": public["version"],
            "maxDy": public["max_dy"],
            "maxDx": public["max_dx"],
            "sizeY": stain.size_y,
            "sizeX": stain.size_x,
            "canSet": can_set,
        },
    }
