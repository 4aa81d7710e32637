"""The specimen viewer: its front-end config and the summary of a specimen's volumes."""

from __future__ import annotations

from collections import defaultdict

from annotations.models import Modality, Section, Specimen, Volume
from annotations.selectors.display import (
    RI_SLIDER_RANGE,
    display_window,
    section_image_url,
    volume_display_window,
)
from annotations.selectors.imported_truth import (
    imported_truth_by_volume,
    imported_truth_of_sections,
    queue_leaves_out_imported,
)

ANNOTATE_URL_TEMPLATE = "/sections/{id}/annotate/"


def _volume_window(volume: Volume | None) -> dict:
    """A volume's window on the viewer's wide RI slider; the default RI window without one."""
    if volume is None:
        return display_window(modality=Modality.RI, stats=None, ri_range=RI_SLIDER_RANGE)
    return display_window(modality=volume.modality, stats=volume.stats, ri_range=RI_SLIDER_RANGE)


def specimen_viewer(*, specimen: Specimen, user=None) -> dict:
    """The ``viewer`` front-end config and the server-side summary of a specimen page.

    The label-free window is the first time point's volume's, with ``user``'s saved choice for it.
    """
    volumes = list(
        Volume.objects.filter(specimen=specimen)
        .select_related("paired_with")
        .order_by("time_index", "id")
    )
    by_time: dict[int, list[Volume]] = defaultdict(list)
    for volume in volumes:
        by_time[volume.time_index].append(volume)
    main_by_time = {}
    for t, vols in by_time.items():
        label_free = [v for v in vols if v.is_label_free]
        main_by_time[t] = (label_free or vols)[0]
    modality = main_by_time[min(main_by_time)].modality if main_by_time else Modality.RI
    sections = defaultdict(list)
    main_ids = [v.pk for v in main_by_time.values()]
    for row in (
        Section.objects.filter(volume_id__in=main_ids)
        .order_by("z")
        .values("id", "volume_id", "z", "fluorescence_id")
    ):
        fl = row["fluorescence_id"]
        sections[row["volume_id"]].append(
            {
                "id": row["id"],
                "z": row["z"],
                "imageUrl": section_image_url(row["id"]),
                "fluorescenceUrl": section_image_url(fl) if fl else None,
            }
        )
    time_points = []
    first = main_by_time[min(main_by_time)] if main_by_time else None
    for t in sorted(main_by_time):
        main = main_by_time[t]
        if first is not None and (main.size_y, main.size_x) != (first.size_y, first.size_x):
            for row in sections[main.pk]:
                row["width"], row["height"] = main.size_x, main.size_y
        fluorescence = [
            v for v in by_time[t] if v.modality == Modality.FLUORESCENCE and v.pk != main.pk
        ]
        time_points.append(
            {
                "t": t,
                "volumeId": main.pk,
                "modality": main.modality,
                "shape": list(main.shape),
                "fluorescenceChannel": fluorescence[0].channel if fluorescence else None,
                "sections": sections[main.pk],
            }
        )
    fl_volumes = [v for v in volumes if v.modality == Modality.FLUORESCENCE]
    config = {
        "module": "viewer",
        "specimen": {"id": specimen.pk, "name": specimen.name, "lab": specimen.lab},
        "project": {"slug": specimen.project.slug, "name": specimen.project.name},
        "modality": modality,
        **({"channels": list(first.channel_names)} if first and first.channel_names else {}),
        "window": volume_display_window(volume=first, user=user, ri_range=RI_SLIDER_RANGE)
        if first
        else _volume_window(None),
        "fluorescenceWindow": _volume_window(fl_volumes[0]) if fl_volumes else None,
        "voxelSize": list(first.voxel_size) if first and first.voxel_size else None,
        "width": first.size_x if first else None,
        "height": first.size_y if first else None,
        "timePoints": time_points,
        "annotateUrlTemplate": ANNOTATE_URL_TEMPLATE,
        # The active model's nuclei on a section (inference's prediction results).
        "nucleiUrlTemplate": "/api/sections/{id}/nuclei/",
        # The predicted stain of a section (inference's in-silico-labelling versions).
        "virtualStainUrlTemplate": "/api/sections/{id}/virtual_stain.png",
    }
    imported = imported_truth_by_volume(v.pk for v in volumes)
    in_queue = not queue_leaves_out_imported(specimen.project)
    summary = [
        {
            "id": v.pk,
            "modality": v.get_modality_display(),
            "channel": v.channel or ", ".join(v.channel_names),
            "time_index": v.time_index,
            "shape": "×".join(map(str, v.shape)),
            "voxel_size": "×".join(f"{s:.3g}" for s in v.voxel_size) if v.voxel_size else "unknown",
            "paired_with": [v.paired_with_id]
            if v.paired_with_id
            else [f.pk for f in volumes if f.paired_with_id == v.pk],
            "sections": v.size_z,
            "imported_truth": imported_truth_of_sections(
                imported.get(v.pk), v.size_z, imported_in_queue=in_queue
            ),
        }
        for v in volumes
    ]
    return {"config": config, "volumes": summary}
