"""Reads for browsing a project's data: specimens, their volumes and sections."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from annotations.models import LABEL_FREE_MODALITIES, Project, Section, Specimen, Volume
from annotations.selectors.display import section_image_url
from annotations.selectors.imported_truth import (
    imported_truth_by_specimen,
    imported_truth_of_sections,
    queue_leaves_out_imported,
)
from annotations.selectors.voxel_size import specimen_voxel_size


def _volume_label(modality: str, channel: str) -> str:
    return f"{modality} {channel}".strip()


def specimen_list(
    *, project: Project, lab: str | None = None, tag: str | None = None, search: str | None = None
) -> list[dict]:
    """Specimens with lab, tags, modalities, time points, section counts and a thumbnail."""
    specimens = Specimen.objects.filter(project=project).prefetch_related("tags").order_by("name")
    if lab:
        specimens = specimens.filter(lab=lab)
    if tag:
        specimens = specimens.filter(tags__name=tag)
    if search:
        specimens = specimens.filter(name__icontains=search)
    specimens = list(specimens.distinct())
    volumes = defaultdict(list)
    for vol in (
        Volume.objects.filter(specimen__in=specimens)
        .order_by("time_index", "id")
        .values(
            "id", "specimen_id", "modality", "channel", "time_index", "size_z", "size_y", "size_x"
        )
    ):
        volumes[vol["specimen_id"]].append(vol)

    thumb_for_volume: dict[int, int] = {}
    chosen = []
    for specimen in specimens:
        main = _main_volume(volumes[specimen.pk])
        if main is not None:
            chosen.append(main)
    if chosen:
        query = Q()
        for vol in chosen:
            query |= Q(volume_id=vol["id"], z=vol["size_z"] // 2)
        thumb_for_volume = dict(Section.objects.filter(query).values_list("volume_id", "id"))

    imported = imported_truth_by_specimen(s.pk for s in specimens)
    in_queue = not queue_leaves_out_imported(project)
    rows = []
    for specimen in specimens:
        vols = volumes[specimen.pk]
        main = _main_volume(vols)
        label_free = [v for v in vols if v["modality"] in LABEL_FREE_MODALITIES]
        thumb = thumb_for_volume.get(main["id"]) if main else None
        section_count = sum(v["size_z"] for v in label_free)
        rows.append(
            {
                "id": specimen.pk,
                "name": specimen.name,
                "lab": specimen.lab,
                "tags": sorted(t.name for t in specimen.tags.all()),
                "modalities": sorted({_volume_label(v["modality"], v["channel"]) for v in vols}),
                "time_points": sorted({v["time_index"] for v in vols}),
                "volume_count": len(vols),
                "section_count": section_count,
                "shape": [main["size_z"], main["size_y"], main["size_x"]] if main else None,
                "thumbnail_url": f"{section_image_url(thumb)}?size=96" if thumb else None,
                "url": f"/specimens/{specimen.pk}/",
                # Sections whose current ground truth is imported, of how many, and its nuclei.
                "imported_truth": imported_truth_of_sections(
                    imported.get(specimen.pk), section_count, imported_in_queue=in_queue
                ),
            }
        )
    return rows


def _main_volume(vols: list[dict]) -> dict | None:
    """The volume that represents a specimen: its first label-free volume at its first time point."""
    if not vols:
        return None
    label_free = [v for v in vols if v["modality"] in LABEL_FREE_MODALITIES]
    pool = label_free or vols
    return min(pool, key=lambda v: (v["time_index"], v["id"]))


def _section_row(section: dict) -> dict:
    fl = section["fluorescence_id"]
    return {
        "id": section["id"],
        "z": section["z"],
        "status": section["status"],
        "fluorescence_id": fl,
        "image_url": section_image_url(section["id"]),
        "fluorescence_url": section_image_url(fl) if fl else None,
    }


def _volume_row(volume: Volume) -> dict:
    return {
        "id": volume.pk,
        "specimen_id": volume.specimen_id,
        "modality": volume.modality,
        "channel": volume.channel,
        "time_index": volume.time_index,
        "shape": list(volume.shape),
        "voxel_size": list(volume.voxel_size) if volume.voxel_size else None,
        "units": volume.units,
        "stats": volume.stats,
        "is_label_free": volume.is_label_free,
        "paired_with": volume.paired_with_id,
        "created_at": volume.created_at.isoformat(),
    }


def specimen_detail(*, specimen: Specimen) -> dict:
    """A specimen with its volumes grouped by time point, each with its sections."""
    volumes = list(
        Volume.objects.filter(specimen=specimen).order_by("time_index", "modality", "channel")
    )
    sections = defaultdict(list)
    for row in (
        Section.objects.filter(specimen=specimen)
        .order_by("volume_id", "z")
        .values("id", "volume_id", "z", "status", "fluorescence_id")
    ):
        sections[row["volume_id"]].append(_section_row(row))
    by_time: dict[int, list[dict]] = defaultdict(list)
    for volume in volumes:
        by_time[volume.time_index].append(_volume_row(volume) | {"sections": sections[volume.pk]})
    voxel = specimen_voxel_size(specimen=specimen)
    return {
        "id": specimen.pk,
        "name": specimen.name,
        "lab": specimen.lab,
        "notes": specimen.notes,
        "project": specimen.project.slug,
        "tags": sorted(specimen.tags.values_list("name", flat=True)),
        "frame_interval_min": specimen.frame_interval_min,
        "voxel_size": voxel["voxel_size"],
        "voxel_size_set_by": voxel["set_by"],
        "voxel_size_set_at": voxel["set_at"].isoformat() if voxel["set_at"] else None,
        "time_points": [{"time_index": t, "volumes": by_time[t]} for t in sorted(by_time)],
    }


def volume_detail(*, volume: Volume) -> dict:
    sections = [
        _section_row(row)
        for row in Section.objects.filter(volume=volume)
        .order_by("z")
        .values("id", "volume_id", "z", "status", "fluorescence_id")
    ]
    return _volume_row(volume) | {"specimen_name": volume.specimen.name, "sections": sections}


def section_detail(*, section: Section) -> dict:
    volume = section.volume
    neighbours = dict(
        Section.objects.filter(
            volume_id=section.volume_id, z__in=[section.z - 1, section.z + 1]
        ).values_list("z", "id")
    )
    fluorescence = None
    if section.fluorescence_id:
        fl = Section.objects.select_related("volume").filter(pk=section.fluorescence_id).first()
        if fl is not None:
            fluorescence = {
                "id": fl.pk,
                "channel": fl.volume.channel,
                "volume_id": fl.volume_id,
                "stats": fl.stats,
                "image_url": section_image_url(fl.pk),
            }
    label_free_partner = None
    if not section.is_label_free:
        partner = (
            Section.objects.filter(fluorescence_id=section.pk).values_list("id", flat=True).first()
        )
        label_free_partner = partner
    return {
        "id": section.pk,
        "z": section.z,
        "shape": [volume.size_y, volume.size_x],
        "volume_id": volume.pk,
        "specimen_id": section.specimen_id,
        "specimen_name": section.specimen.name,
        "project": section.project.slug,
        "modality": volume.modality,
        "channel": volume.channel,
        "time_index": volume.time_index,
        "size_z": volume.size_z,
        "units": volume.units,
        "stats": section.stats,
        "status": section.status,
        "is_label_free": section.is_label_free,
        "fluorescence": fluorescence,
        "label_free_partner": label_free_partner,
        "prev_id": neighbours.get(section.z - 1),
        "next_id": neighbours.get(section.z + 1),
        "image_url": section_image_url(section.pk),
    }


def specimen_names(*, project: Project) -> list[str]:
    return list(
        Specimen.objects.filter(project=project).order_by("name").values_list("name", flat=True)
    )
