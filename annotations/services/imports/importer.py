"""Importing one file into a specimen, all or nothing.

``import_file`` checks a file cheaply (header only), refuses a file the project already holds,
then reads one volume at a time and stores it with ``volume_create``, all inside a single
``atomic_with_file_cleanup`` block: a refused or interrupted import leaves no row and no file.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annotations.imaging.errors import ImagingError
from annotations.imaging.readers import VolumeHandle, sha256_file
from annotations.models import Modality, Project, SourceFile
from annotations.services.imports.channels import channel_groups, stack_channels
from annotations.services.imports.checks import channel_label, inspect_file
from annotations.services.imports.duplicates import duplicate_check
from annotations.services.imports.fit import fit_check
from annotations.services.imports.options import ImportOptions
from annotations.services.imports.result import ImportResult
from annotations.services.imports.series import specimen_frame_interval_set
from annotations.services.projects import specimen_get_or_create, specimen_name_check
from annotations.services.volumes import atomic_with_file_cleanup, volume_create
from cellweb.errors import ConflictError, InvalidInput

Progress = Callable[[float, str], None]
# RI of water is 1.333 and of lipid droplets about 1.40; values far outside mean the file holds
# intensities or a contrast image rather than a refractive-index tomogram.
_PLAUSIBLE_RI = (1.0, 2.0)


def _load(handle: VolumeHandle, notes: list[str]):
    try:
        return handle.load(notes)
    except ImagingError as exc:
        raise InvalidInput(exc.message) from exc
    except MemoryError:
        raise InvalidInput(
            f"The {handle.description} is too large for this server's memory "
            f"({'×'.join(map(str, handle.shape))} voxels)."
        ) from None


def _ri_warning(volume, description: str) -> str | None:
    low, high = volume.stats.get("p1"), volume.stats.get("p99")
    if low is None or high is None:
        return None
    if high < _PLAUSIBLE_RI[0] or low > _PLAUSIBLE_RI[1]:
        return (
            f"The {description} has values {low:.4g}–{high:.4g}, far from refractive indices "
            "(about 1.33–1.40); check that the file holds RI and that the modality is right."
        )
    return None


def _voxel_warning(volume, description: str) -> str | None:
    """A 3D label-free volume stored without a voxel size: what it costs, and how to mend it
    (``annotations/services/voxel_size.py``)."""
    if volume.size_z < 2 or volume.modality == Modality.FLUORESCENCE or volume.voxel_size_z:
        return None
    return (
        f"The {description} has no voxel size (the file gives none with a unit, and none was "
        "given): its nuclei can be counted and scored, but not measured in µm³, µm² or "
        "picograms. To measure them, set the voxel size z,y,x in micrometres on the specimen's "
        f"page (/specimens/{volume.specimen_id}/), with PATCH /api/specimens/"
        f"{volume.specimen_id}/ or manage.py set_voxel_size; its annotations stay."
    )


def import_file(
    *,
    path: str | Path,
    project: Project,
    specimen_name: str,
    options: ImportOptions,
    user=None,
    original_name: str | None = None,
    progress: Progress | None = None,
    sha256: str | None = None,
) -> ImportResult:
    """Import every volume of one file into a specimen of ``project``, all or nothing.

    ``options.frame_interval_min`` (minutes between time points) overrides the interval the file
    records (ImageJ ``finterval``, OME ``TimeIncrement``); either is stored on the specimen.

    ``options.stain_channels`` names the channels of a multi-channel label-free image that are
    stored as fluorescence volumes paired with it (docs/channels.md).

    ``sha256`` may be passed when the caller already hashed the file (uploads are hashed while
    they are staged).
    """
    report: Progress = progress or (lambda fraction, message: None)
    path = Path(path)
    display_name = original_name or path.name
    specimen_name = specimen_name_check(specimen_name)
    options = options.checked()
    modality = options.modality

    report(0.0, f"Checking {display_name}")
    source, handles = inspect_file(path=path, options=options, project=project)
    fit_check(project=project, specimen_name=specimen_name, modality=modality, handles=handles)
    size_bytes = path.stat().st_size
    if sha256 is None:
        report(0.01, f"Computing the checksum of {display_name}")
        sha256 = sha256_file(path)
    duplicate_check(project=project, sha256=sha256)

    weights = [max(1, math.prod(h.shape)) for h in handles]
    total_weight = float(sum(weights))
    done_weight = 0.0
    created: list[tuple[str, str, int, tuple[int, int, int]]] = []
    warnings: list[str] = []
    notes: list[str] = []
    unmeasured: str | None = None  # said once, not at every time point
    sections_count = stain_sections_count = 0

    def fraction(extra: float = 0.0) -> float:
        return 0.05 + 0.9 * (done_weight + extra) / total_weight

    try:
        with atomic_with_file_cleanup():
            source_file = SourceFile(
                project=project,
                sha256=sha256,
                original_name=display_name[:255],
                size_bytes=size_bytes,
                format=source.format,
                uploaded_by=user if getattr(user, "is_authenticated", False) else None,
            )
            try:
                source_file.full_clean(validate_constraints=False)
                with transaction.atomic():
                    source_file.save()
            except IntegrityError:
                raise ConflictError(
                    "This file was imported into the project a moment ago by another import.",
                    code="already_imported",
                ) from None
            except ValidationError as exc:
                raise InvalidInput(" ".join(exc.messages)) from exc
            specimen, _ = specimen_get_or_create(
                project=project, name=specimen_name, lab=options.lab
            )
            interval = options.frame_interval_min
            specimen_frame_interval_set(
                specimen, source.frame_interval_min if interval is None else interval
            )

            groups = channel_groups(handles)
            for number, group in enumerate(groups, start=1):
                handle, weight = group[0], sum(weights[handles.index(h)] for h in group)
                step = f"({number}/{len(groups)})"
                report(fraction(), f"Reading the {handle.description} {step}")
                data = stack_channels([_load(h, notes) for h in group])
                report(fraction(0.5 * weight), f"Storing the {handle.description} {step}")
                target_modality = (
                    Modality.FLUORESCENCE if handle.kind == "fluorescence" else modality
                )
                try:
                    volume = volume_create(
                        specimen=specimen,
                        data=data,
                        modality=target_modality,
                        channel=channel_label(handle),
                        time_index=handle.time_index,
                        voxel_size=handle.voxel_size,
                        source_file=source_file,
                        units=handle.units,
                        channel_names=[h.channel for h in group] if len(group) > 1 else None,
                        imaged_sections=handle.imaged_sections,
                    )
                except ValidationError as exc:
                    raise InvalidInput(" ".join(exc.messages)) from exc
                del data
                created.append((volume.modality, volume.channel, volume.time_index, volume.shape))
                if volume.is_label_free:
                    sections_count += volume.size_z
                else:
                    stain_sections_count += volume.size_z
                # A stain resampled at every time point is said once.
                warnings += [h.note for h in group if h.note and h.note not in warnings]
                notes += [h.info for h in group if h.info and h.info not in notes]
                if volume.modality == Modality.RI and (
                    warning := _ri_warning(volume, handle.description)
                ):
                    warnings.append(warning)
                unmeasured = unmeasured or _voxel_warning(volume, handle.description)
                done_weight += weight
            warnings += [unmeasured] if unmeasured else []
            report(0.97, "Saving")
    except IntegrityError:
        # Two imports created the same specimen or volume at the same moment; one of them wins.
        raise ConflictError(
            f"Another import changed specimen “{specimen_name}” at the same moment; nothing was "
            "imported from this file. Please try again.",
            code="import_race",
        ) from None

    result = ImportResult(
        specimen=specimen,
        volumes=created,
        time_points=sorted({t for _, _, t, _ in created}),
        sections_count=sections_count,
        stain_sections_count=stain_sections_count,
        source_file=source_file,
        warnings=warnings,
        notes=notes,
    )
    report(1.0, f"Imported {len(created)} volume(s) with {result.sections_text()}")
    return result
