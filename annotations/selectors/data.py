"""Reads for browsing data: projects, specimens, volumes, sections and their rendered images."""

from __future__ import annotations

import math
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse

from annotations.models import (
    LABEL_FREE_MODALITIES,
    Modality,
    Project,
    Section,
    Specimen,
    Tag,
    Volume,
)
from annotations.permissions import projects_for, user_roles

RI_SLIDER_RANGE = (1.30, 1.46)
ROLE_ORDER = ("manager", "reviewer", "annotator")

ANNOTATE_URL_TEMPLATE = "/sections/{id}/annotate/"


def section_image_url(section_id: int) -> str:
    return reverse("api-section-image", args=[section_id])


def sorted_roles(roles) -> list[str]:
    return [r for r in ROLE_ORDER if r in roles]


# --------------------------------------------------------------------------- projects


def project_settings(project: Project) -> dict:
    return {
        "required_annotations": project.required_annotations,
        "consensus_method": project.consensus_method,
        "allow_fluorescence_reference": project.allow_fluorescence_reference,
        "allow_self_review": project.allow_self_review,
    }


def project_links(project: Project, roles) -> list[dict]:
    """The areas of a project this user may open, as (label, url) in a sensible order."""
    base = f"/projects/{project.slug}"
    links = [{"label": "Specimens", "url": f"{base}/", "key": "project"}]
    if "annotator" in roles:
        links.append({"label": "Annotate", "url": f"{base}/annotate/next/", "key": "annotate"})
    if "reviewer" in roles:
        links.append({"label": "Review", "url": f"{base}/review/", "key": "review"})
    if "manager" in roles:
        links += [
            {"label": "Dashboard", "url": f"{base}/dashboard/", "key": "dashboard"},
            {"label": "Training", "url": f"{base}/training/", "key": "training"},
        ]
    links += [
        {"label": "Models", "url": f"{base}/models/", "key": "models"},
        {"label": "Evaluations", "url": f"{base}/evaluations/", "key": "evaluations"},
        {"label": "Export", "url": f"{base}/export/", "key": "export"},
    ]
    if "manager" in roles:
        links += [
            {"label": "Import", "url": f"{base}/import/", "key": "import"},
            {"label": "Settings", "url": f"{base}/settings/", "key": "settings"},
        ]
    return links


def project_list(*, user) -> list[dict]:
    """The user's projects with their roles and how much data each holds."""
    projects = (
        projects_for(user)
        .annotate(
            specimen_count=Count("specimens", distinct=True),
        )
        .order_by("name")
    )
    projects = list(projects)
    section_counts = dict(
        Section.objects.filter(project__in=projects, is_label_free=True)
        .values("project_id")
        .annotate(n=Count("id"))
        .values_list("project_id", "n")
    )
    rows = []
    for project in projects:
        roles = user_roles(user, project)
        rows.append(
            {
                "id": project.pk,
                "slug": project.slug,
                "name": project.name,
                "description": project.description,
                "roles": sorted_roles(roles),
                "specimen_count": project.specimen_count,
                "section_count": section_counts.get(project.pk, 0),
                "url": f"/projects/{project.slug}/",
            }
        )
    return rows


def project_detail(*, user, project: Project) -> dict:
    roles = user_roles(user, project)
    return {
        "id": project.pk,
        "slug": project.slug,
        "name": project.name,
        "description": project.description,
        "roles": sorted_roles(roles),
        "settings": project_settings(project),
        "specimen_count": project.specimens.count(),
        "section_count": Section.objects.filter(project=project, is_label_free=True).count(),
        "links": project_links(project, roles),
    }


def project_filters(*, project: Project) -> dict:
    labs = (
        Specimen.objects.filter(project=project)
        .exclude(lab="")
        .order_by("lab")
        .values_list("lab", flat=True)
        .distinct()
    )
    tags = Tag.objects.filter(project=project).order_by("name").values_list("name", flat=True)
    return {"labs": list(labs), "tags": list(tags)}


# --------------------------------------------------------------------------- specimens


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

    rows = []
    for specimen in specimens:
        vols = volumes[specimen.pk]
        main = _main_volume(vols)
        label_free = [v for v in vols if v["modality"] in LABEL_FREE_MODALITIES]
        thumb = thumb_for_volume.get(main["id"]) if main else None
        rows.append(
            {
                "id": specimen.pk,
                "name": specimen.name,
                "lab": specimen.lab,
                "tags": sorted(t.name for t in specimen.tags.all()),
                "modalities": sorted({_volume_label(v["modality"], v["channel"]) for v in vols}),
                "time_points": sorted({v["time_index"] for v in vols}),
                "volume_count": len(vols),
                "section_count": sum(v["size_z"] for v in label_free),
                "shape": [main["size_z"], main["size_y"], main["size_x"]] if main else None,
                "thumbnail_url": f"{section_image_url(thumb)}?size=96" if thumb else None,
                "url": f"/specimens/{specimen.pk}/",
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
    return {
        "id": specimen.pk,
        "name": specimen.name,
        "lab": specimen.lab,
        "notes": specimen.notes,
        "project": specimen.project.slug,
        "tags": sorted(specimen.tags.values_list("name", flat=True)),
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


# --------------------------------------------------------------------------- the viewer


def _display_window(volume: Volume) -> dict:
    stats = volume.stats or {}
    if volume.modality == Modality.RI:
        lo, hi = settings.RI_WINDOW_DEFAULT
        smallest = min(
            RI_SLIDER_RANGE[0], math.floor(stats.get("min", RI_SLIDER_RANGE[0]) * 100) / 100
        )
        largest = max(
            RI_SLIDER_RANGE[1], math.ceil(stats.get("max", RI_SLIDER_RANGE[1]) * 100) / 100
        )
        return {"lo": lo, "hi": hi, "min": smallest, "max": largest, "step": 0.001, "units": "RI"}
    smallest = float(stats.get("min", 0.0))
    largest = float(stats.get("max", 1.0))
    if largest <= smallest:
        largest = smallest + 1.0
    lo = float(stats.get("p0_5", smallest))
    hi = float(stats.get("p99_5", largest))
    if hi <= lo:
        lo, hi = smallest, largest
    step = float(f"{(largest - smallest) / 1000:.3g}")
    return {"lo": lo, "hi": hi, "min": smallest, "max": largest, "step": step, "units": "intensity"}


def specimen_viewer(*, specimen: Specimen) -> dict:
    """The ``viewer`` front-end config and the server-side summary of a specimen page."""
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
        "window": _display_window(first) if first else _display_window_default(),
        "fluorescenceWindow": _display_window(fl_volumes[0]) if fl_volumes else None,
        "voxelSize": list(first.voxel_size) if first and first.voxel_size else None,
        "width": first.size_x if first else None,
        "height": first.size_y if first else None,
        "timePoints": time_points,
        "annotateUrlTemplate": ANNOTATE_URL_TEMPLATE,
    }
    summary = [
        {
            "id": v.pk,
            "modality": v.get_modality_display(),
            "channel": v.channel,
            "time_index": v.time_index,
            "shape": "×".join(map(str, v.shape)),
            "voxel_size": "×".join(f"{s:.3g}" for s in v.voxel_size) if v.voxel_size else "unknown",
            "paired_with": [v.paired_with_id]
            if v.paired_with_id
            else [f.pk for f in volumes if f.paired_with_id == v.pk],
            "sections": v.size_z,
        }
        for v in volumes
    ]
    return {"config": config, "volumes": summary}


def _display_window_default() -> dict:
    lo, hi = settings.RI_WINDOW_DEFAULT
    return {
        "lo": lo,
        "hi": hi,
        "min": RI_SLIDER_RANGE[0],
        "max": RI_SLIDER_RANGE[1],
        "step": 0.001,
        "units": "RI",
    }
