"""Reads behind the fluorescence ground-truth pages: the project overview (paired volumes, how
many sections have a mask, the sections to preview) and a preview that stores nothing. One
section's mask with its versions and the review editor's configuration
(``fluorescence_gt_section``) and the quality flags (``fluorescence_flags``) are read in their
own modules; their names are re-exported here."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db.models import Count

from annotations.models import GroundTruth, GroundTruthSource, Project, Section
from cellweb.errors import InvalidInput
from inference.ml.fluorescence import QUALITY_FLAGS, FluorescenceGTParams
from inference.reports.layers import contour_data_uri
from inference.selectors.fluorescence_flags import (
    FLAGGED_LISTED_MAX,
    flagged_sections,
    fluorescence_flag_counts,
    fluorescence_flags,
)
from inference.selectors.fluorescence_gt_section import section_fluorescence_gt, section_image_urls
from inference.selectors.stain_shift import stain_contour_style
from inference.services.fluorescence_gt import fluorescence_gt_preview, fluorescence_pairs

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
SOURCE = GroundTruthSource.FLUORESCENCE


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
        **flagged_sections(volume_ids),
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
        **section_image_urls(section),
        "contour": contour_data_uri(mask),
        "stain_contour_style": stain_contour_style(info, section.shape),
        "pixels": int(np.count_nonzero(mask)),
        "info": info,
        "quality_label": QUALITY_FLAGS.get(info.get("quality")),
    }
