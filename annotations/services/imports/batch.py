"""Several files uploaded at once (a folder of a dish): paired into fields by a name pattern,
each field checked at once and queued as one job of the kind "import" (its stain travels with it).

A refused field (unreadable file, shapes that do not match, a file the project already holds)
is reported with its reason and leaves nothing behind; the other fields are still queued.
Only when no field can be paired is the whole upload refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from annotations.models import LABEL_FREE_MODALITIES, ImportJob, Modality, Project
from annotations.services.imports.channels import stain_channels_check
from annotations.services.imports.checks import (
    fit_check,
    upload_size_check,
    voxel_size_check,
)
from annotations.services.imports.duplicates import duplicate_check
from annotations.services.imports.pairing import (
    DEFAULT_LABEL_FREE,
    DEFAULT_PATTERN,
    DEFAULT_STAIN,
    FieldFiles,
    pair_files,
)
from annotations.services.imports.series import (
    at_time_point,
    frame_interval_check,
    inspect_named,
    series_check,
)
from annotations.services.imports.staging import discard_staged, stage_upload
from annotations.services.projects import lab_check, specimen_name_check
from annotations.services.volumes import channel_names_check
from cellweb.errors import DomainError, InvalidInput
from cellweb.jobs import job_enqueue


@dataclass
class BatchResult:
    """What a batch upload did: a job per queued field, and why the rest was left out."""

    queued: list[tuple[FieldFiles, ImportJob]] = field(default_factory=list)
    refused: list[tuple[FieldFiles, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def batch_options_check(
    *, modality: str, stain_name: str, lab: str, voxel_size: Sequence[float] | None
) -> tuple[str, str, tuple[float, ...] | None]:
    """The options every field of a folder shares, checked before any file is touched."""
    if modality not in LABEL_FREE_MODALITIES:
        raise InvalidInput(
            f"The label-free modality must be one of {', '.join(sorted(LABEL_FREE_MODALITIES))}; "
            f"got “{modality}” (the stain files are imported as fluorescence)."
        )
    stain_name = (stain_name or "").strip()
    if len(stain_name) > 32:
        raise InvalidInput("The stain name is too long (at most 32 characters, e.g. “DAPI”).")
    return stain_name, lab_check(lab), voxel_size_check(voxel_size)


@dataclass(frozen=True)
class LabelFreeChannels:
    """How every field's label-free image holds its channels (docs/channels.md): the stored
    array's channel axis, the channels' names and which of them are stains (stored as
    fluorescence); none of them for a single-channel image."""

    axis: int | None = None
    names: tuple[str, ...] = ()
    stains: tuple[str, ...] = ()

    def check(self, modality: str) -> LabelFreeChannels:
        """The names checked once for the whole upload (1-32 characters, distinct), and the
        stains among them."""
        channel_names_check(list(self.names))
        names = tuple(n.strip() for n in self.names)
        stains = stain_channels_check(self.stains, modality=modality, channel_names=names)
        return LabelFreeChannels(self.axis, names, stains)


def _stage_field(
    *,
    project: Project,
    user,
    fieldfiles: FieldFiles,
    uploads: dict[str, UploadedFile],
    modality: str,
    stain_name: str,
    lab: str,
    voxel_size,
    channels: LabelFreeChannels,
    frame_interval_min: float | None = None,
) -> ImportJob:
    """Stage, check and queue one field (every frame of a time-lapse saved one file per frame);
    nothing stays behind when it is refused."""
    specimen_name = specimen_name_check(fieldfiles.specimen)
    roles = []
    for time_index, label_free, stain in fieldfiles.timeline:
        roles.append((label_free, modality, "", channels, time_index))
        if stain:
            roles.append(
                (stain, Modality.FLUORESCENCE, stain_name, LabelFreeChannels(), time_index)
            )
    staged: list[dict] = []
    try:
        handles, frames = [], []
        for name, file_modality, channel, layout, time_index in roles:
            relative, sha256, size = stage_upload(uploads[name])
            staged.append(
                {
                    "staged_path": relative,
                    "original_name": name,
                    "sha256": sha256,
                    "modality": file_modality,
                    "channel": channel,
                    "time_index": time_index,
                }
            )
            upload_size_check(size_bytes=size)
            if size == 0:
                raise InvalidInput(f"'{name}' is empty (0 bytes).")
            source, found = inspect_named(
                name,
                path=Path(settings.MEDIA_ROOT) / relative,
                modality=file_modality,
                channel=channel,
                voxel_size=voxel_size,
                channel_axis=layout.axis,
                channel_names=layout.names,
                stain_channels=layout.stains,
            )
            frames.append((f"{file_modality} {channel}", name, source, found))
            handles += at_time_point(found, time_index)
        if fieldfiles.frames:
            series_check(frames)
        fit_check(project=project, specimen_name=specimen_name, modality=modality, handles=handles)
        if len({s["sha256"] for s in staged}) < len(staged):
            raise InvalidInput(_same_files(staged, series=bool(fieldfiles.frames)))
        main, companions = staged[0], staged[1:]
        with transaction.atomic():
            for item in staged:
                duplicate_check(project=project, sha256=item["sha256"], in_flight=True)
            job = ImportJob(
                project=project,
                created_by=user if getattr(user, "is_authenticated", False) else None,
                staged_path=main["staged_path"],
                original_name=main["original_name"][:255],
                message="Waiting for a worker",
                params={
                    "specimen_name": specimen_name,
                    "modality": modality,
                    "channel": "",
                    "dataset": "",
                    "time_index": main["time_index"],
                    "frame_interval_min": frame_interval_min,
                    "lab": lab,
                    "voxel_size": list(voxel_size) if voxel_size else None,
                    "sha256": main["sha256"],
                    "size_bytes": uploads[main["original_name"]].size,
                    "companions": companions,
                    "channel_axis": channels.axis,
                    "channel_names": list(channels.names),
                    "stain_channels": list(channels.stains),
                },
            )
            job.full_clean()
            job.save()
            job_enqueue("import", job)
    except BaseException:
        for item in staged:
            discard_staged(item["staged_path"])
        raise
    return job


def _same_files(staged: list[dict], *, series: bool) -> str:
    """Why a field whose files repeat one another is refused; in a time-lapse, naming the first
    two."""
    if not series:
        return "The label-free and the stain file are the same file."
    seen: dict[str, str] = {}
    for item in staged:
        first = seen.setdefault(item["sha256"], item["original_name"])
        if first != item["original_name"]:
            return (
                f"{first} and {item['original_name']} are the same file; each frame needs its "
                "own image."
            )
    return "Two files of this field are the same file."


def import_batch_create(
    *,
    project: Project,
    user,
    files: Sequence[UploadedFile],
    pattern: str = DEFAULT_PATTERN,
    label_free: str = DEFAULT_LABEL_FREE,
    stain: str = DEFAULT_STAIN,
    modality: str = Modality.RI,
    stain_name: str = "",
    lab: str = "",
    voxel_size: Sequence[float] | None = None,
    channel_axis: int | None = None,
    channel_names: Sequence[str] = (),
    stain_channels: Sequence[str] = (),
    frame_interval_min: float | None = None,
) -> BatchResult:
    """Pair ``files`` by ``pattern`` and queue an import job per field (docs/imports.md);
    ``channel_axis``, ``channel_names`` and ``stain_channels`` describe every field's
    multi-channel label-free image (docs/channels.md); ``frame_interval_min`` is the time
    between the frames of a time-lapse (``{time}`` in the pattern)."""
    stain_name, lab, voxel_size = batch_options_check(
        modality=modality, stain_name=stain_name, lab=lab, voxel_size=voxel_size
    )
    frame_interval_min = frame_interval_check(frame_interval_min)
    layout = LabelFreeChannels(channel_axis, tuple(channel_names), tuple(stain_channels))
    channels = layout.check(modality)
    if not files:
        raise InvalidInput("Choose the files to import (all files of a folder at once).")
    by_name: dict[str, UploadedFile] = {}
    result = BatchResult()
    for upload in files:
        name = Path(upload.name or "").name
        if name in by_name:
            result.skipped.append((name, "another file of this upload has the same name"))
        elif name:
            by_name[name] = upload
    pairing = pair_files(by_name, pattern=pattern, label_free=label_free, stain=stain)
    result.skipped += pairing.skipped
    if not pairing.fields:
        reasons = "; ".join(f"{name}: {reason}" for name, reason in result.skipped[:5])
        raise InvalidInput(f"No field could be paired, so nothing was imported. {reasons}")
    for fieldfiles in pairing.fields:
        try:
            job = _stage_field(
                project=project,
                user=user,
                fieldfiles=fieldfiles,
                uploads=by_name,
                modality=modality,
                stain_name=stain_name,
                lab=lab,
                voxel_size=voxel_size,
                channels=channels,
                frame_interval_min=frame_interval_min,
            )
        except DomainError as exc:
            result.refused.append((fieldfiles, exc.message))
        else:
            result.queued.append((fieldfiles, job))
    return result
