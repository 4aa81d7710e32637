"""Several files uploaded at once (a folder of a dish): paired into fields by a name pattern,
each field checked at once and queued as one job of the kind "import" (its stain travels with it).

A refused field (unreadable file, shapes that do not match, a file the project already holds)
is reported with its reason and leaves nothing behind; the other fields are still queued.
Only when no field can be paired is the whole upload refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from annotations.models import LABEL_FREE_MODALITIES, ImportJob, Project
from annotations.services.imports.channels import stain_channels_check
from annotations.services.imports.checks import upload_size_check
from annotations.services.imports.duplicates import duplicate_check
from annotations.services.imports.fit import fit_check
from annotations.services.imports.options import ImportOptions
from annotations.services.imports.pairing import (
    DEFAULT_LABEL_FREE,
    DEFAULT_PATTERN,
    DEFAULT_STAIN,
    FieldFiles,
    pair_files,
)
from annotations.services.imports.series import at_time_point, inspect_frame, series_check
from annotations.services.imports.staging import discard_staged, stage_upload
from annotations.services.projects import specimen_name_check
from annotations.services.volume_channels import channel_names_check
from cellweb.errors import DomainError, InvalidInput
from cellweb.jobs import job_enqueue


@dataclass
class BatchResult:
    """What a batch upload did: a job per queued field, and why the rest was left out."""

    queued: list[tuple[FieldFiles, ImportJob]] = field(default_factory=list)
    refused: list[tuple[FieldFiles, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def batch_options_check(options: ImportOptions, *, stain_name: str) -> tuple[ImportOptions, str]:
    """The options every field of a folder shares, checked before any file is touched; and the
    stain's name."""
    if options.modality not in LABEL_FREE_MODALITIES:
        raise InvalidInput(
            f"The label-free modality must be one of {', '.join(sorted(LABEL_FREE_MODALITIES))}; "
            f"got “{options.modality}” (the stain files are imported as fluorescence)."
        )
    stain_name = (stain_name or "").strip()
    if len(stain_name) > 32:
        raise InvalidInput("The stain name is too long (at most 32 characters, e.g. “DAPI”).")
    return options.checked(), stain_name


def _channels_check(options: ImportOptions) -> ImportOptions:
    """The label-free image's channel names checked once for the whole upload (1-32
    characters, distinct), and the stains among them (docs/channels.md). Stains without names
    are picked among the names each field's file gives its channels, field by field."""
    channel_names_check(list(options.channel_names))
    names = tuple(n.strip() for n in options.channel_names)
    if not names:
        return options
    stains = stain_channels_check(
        options.stain_channels, modality=options.modality, channel_names=names
    )
    return replace(options, channel_names=names, stain_channels=stains)


def _stage_field(
    *,
    project: Project,
    user,
    fieldfiles: FieldFiles,
    uploads: dict[str, UploadedFile],
    options: ImportOptions,
    stain_name: str,
) -> ImportJob:
    """Stage, check and queue one field (every frame of a time-lapse saved one file per frame);
    nothing stays behind when it is refused."""
    specimen_name = specimen_name_check(fieldfiles.specimen)
    roles = []
    for time_index, label_free, stain in fieldfiles.timeline:
        roles.append((label_free, options.frame(time_index)))
        if stain:
            roles.append((stain, options.stain(stain_name, time_index)))
    staged: list[dict] = []
    try:
        handles, frames = [], []
        for name, file_options in roles:
            relative, sha256, size = stage_upload(uploads[name])
            staged.append(
                {
                    "staged_path": relative,
                    "original_name": name,
                    "sha256": sha256,
                    "modality": file_options.modality,
                    "channel": file_options.channel,
                    "time_index": file_options.time_index,
                }
            )
            upload_size_check(size_bytes=size)
            if size == 0:
                raise InvalidInput(f"'{name}' is empty (0 bytes).")
            path = Path(settings.MEDIA_ROOT) / relative
            source, found = inspect_frame(name, path=path, options=file_options, project=project)
            frames.append((f"{file_options.modality} {file_options.channel}", name, source, found))
            handles += at_time_point(found, file_options.time_index)
        if fieldfiles.frames:
            series_check(frames)
        fit_check(
            project=project,
            specimen_name=specimen_name,
            modality=options.modality,
            handles=handles,
        )
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
                    **roles[0][1].to_dict(),
                    "sha256": main["sha256"],
                    "size_bytes": uploads[main["original_name"]].size,
                    "companions": companions,
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
    options: ImportOptions,
    pattern: str = DEFAULT_PATTERN,
    label_free: str = DEFAULT_LABEL_FREE,
    stain: str = DEFAULT_STAIN,
    stain_name: str = "",
) -> BatchResult:
    """Pair ``files`` by ``pattern`` and queue an import job per field (docs/imports.md);
    ``options`` hold the label-free modality, the lab, the voxel size, every field's
    multi-channel label-free image (docs/channels.md) and the time between the frames of a
    time-lapse (``{time}`` in the pattern); ``stain_name`` is the stain files' channel."""
    options, stain_name = batch_options_check(options, stain_name=stain_name)
    options = _channels_check(options)
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
                options=options,
                stain_name=stain_name,
            )
        except DomainError as exc:
            result.refused.append((fieldfiles, exc.message))
        else:
            result.queued.append((fieldfiles, job))
    return result
