"""Uploads as jobs: staged and checked at once (a bad file is refused while the biologist waits),
then imported by a worker as the job kind "import" (``annotations/job_kinds.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from annotations.models import ImportJob, Project
from annotations.services.imports.checks import (
    fit_check,
    inspect_file,
    modality_check,
    time_index_check,
    upload_size_check,
    voxel_size_check,
)
from annotations.services.imports.duplicates import duplicate_check
from annotations.services.imports.fields import FieldFile, import_field
from annotations.services.imports.importer import import_file
from annotations.services.imports.listeners import import_listeners_notify
from annotations.services.imports.series import frame_interval_check
from annotations.services.imports.staging import discard_staged, stage_upload, staged_path
from annotations.services.projects import lab_check, specimen_name_check
from cellweb.errors import InvalidInput
from cellweb.jobs import JobContext, JobStatus, job_create, job_execute


def import_job_create(
    *,
    project: Project,
    user,
    upload: UploadedFile,
    specimen_name: str,
    modality: str,
    channel: str = "",
    dataset: str = "",
    time_index: int | None = None,
    lab: str = "",
    voxel_size: Sequence[float] | None = None,
    channel_axis: int | None = None,
    channel_names: Sequence[str] = (),
    stain_channels: Sequence[str] = (),
    frame_interval_min: float | None = None,
) -> ImportJob:
    """Stage an uploaded file, refuse a bad or duplicate one at once, and queue its import;
    ``frame_interval_min`` overrides the file's own frame interval."""
    upload_size_check(size_bytes=upload.size or 0)
    specimen_name = specimen_name_check(specimen_name)
    lab = lab_check(lab)
    modality_check(modality)
    time_index_check(time_index)
    voxel_size = voxel_size_check(voxel_size)
    frame_interval_min = frame_interval_check(frame_interval_min)
    channel = (channel or "").strip()
    dataset = (dataset or "").strip()
    if len(dataset) > 500:
        raise InvalidInput("The dataset path is too long (at most 500 characters).")
    original_name = Path(upload.name or "upload").name[:255] or "upload"

    relative, sha256, size = stage_upload(upload)
    try:
        upload_size_check(size_bytes=size)
        if size == 0:
            raise InvalidInput(f"'{original_name}' is empty (0 bytes).")
        _source, handles = inspect_file(
            path=Path(settings.MEDIA_ROOT) / relative,
            modality=modality,
            channel=channel,
            dataset=dataset or None,
            time_index=time_index,
            voxel_size=voxel_size,
            channel_axis=channel_axis,
            channel_names=channel_names,
            stain_channels=stain_channels,
        )
        fit_check(project=project, specimen_name=specimen_name, modality=modality, handles=handles)
        with transaction.atomic():
            duplicate_check(project=project, sha256=sha256, in_flight=True)
            job = ImportJob(
                project=project,
                created_by=user if getattr(user, "is_authenticated", False) else None,
                staged_path=relative,
                original_name=original_name,
                message="Waiting for a worker",
                params={
                    "specimen_name": specimen_name,
                    "modality": modality,
                    "channel": channel,
                    "dataset": dataset,
                    "time_index": time_index,
                    "lab": lab,
                    "voxel_size": list(voxel_size) if voxel_size else None,
                    "sha256": sha256,
                    "size_bytes": size,
                    "channel_axis": channel_axis,
                    "channel_names": list(channel_names),
                    "stain_channels": list(stain_channels),
                    "frame_interval_min": frame_interval_min,
                },
            )
            job_create("import", job)
    except BaseException:
        discard_staged(relative)
        raise
    return job


def _staged_file(relative: str) -> Path:
    path = staged_path(relative)
    if path is None or not path.is_file():
        raise InvalidInput(
            "The uploaded file is no longer on the server (it was removed or the server was "
            "cleaned up); please upload it again."
        )
    return path


def import_job_work(job: ImportJob, ctx: JobContext) -> dict[str, Any]:
    """The import of a staged upload: all volumes or none (``import_file``). A field of a batch
    upload brings its stain as a companion file, imported with it or not at all."""
    params = job.params or {}
    path = _staged_file(job.staged_path)

    def progress(fraction: float, message: str) -> None:
        ctx.progress(fraction, message=message)

    with ctx.keepalive():
        companions = params.get("companions") or []
        if companions:
            modality = params.get("modality", "")
            files = [
                FieldFile(
                    path,
                    modality,
                    "",
                    job.original_name,
                    params.get("sha256"),
                    time_index=params.get("time_index"),
                )
            ]
            files += [
                FieldFile(
                    _staged_file(companion.get("staged_path", "")),
                    companion.get("modality", ""),
                    companion.get("channel") or "",
                    companion.get("original_name", ""),
                    companion.get("sha256"),
                    time_index=companion.get("time_index"),
                )
                for companion in companions
            ]
            # Every label-free file (each frame of a time-lapse) has the field's channels.
            files = [
                replace(
                    file,
                    channel_axis=params.get("channel_axis"),
                    channel_names=tuple(params.get("channel_names") or ()),
                    stain_channels=tuple(params.get("stain_channels") or ()),
                )
                if file.modality == modality
                else file
                for file in files
            ]
            result = import_field(
                project=job.project,
                specimen_name=params.get("specimen_name", ""),
                files=files,
                lab=params.get("lab") or "",
                voxel_size=params.get("voxel_size"),
                user=job.created_by,
                progress=progress,
                frame_interval_min=params.get("frame_interval_min"),
            )
        else:
            result = import_file(
                path=path,
                project=job.project,
                specimen_name=params.get("specimen_name", ""),
                modality=params.get("modality", ""),
                channel=params.get("channel") or "",
                dataset=params.get("dataset") or None,
                time_index=params.get("time_index"),
                lab=params.get("lab") or "",
                voxel_size=params.get("voxel_size"),
                user=job.created_by,
                original_name=job.original_name,
                progress=progress,
                sha256=params.get("sha256"),
                channel_axis=params.get("channel_axis"),
                channel_names=params.get("channel_names") or (),
                stain_channels=params.get("stain_channels") or (),
                frame_interval_min=params.get("frame_interval_min"),
            )
    job.specimen = result.specimen
    job.message = (
        f"Imported {len(result.volumes)} volume(s) with {result.sections_count} section(s)"
    )
    ctx.save("specimen", "message")
    return result.summary()


def import_job_finish(job: ImportJob) -> None:
    """The staged files go whatever the outcome: imported, refused or cancelled; after a
    success the other apps' listeners run (``listeners``)."""
    discard_staged(job.staged_path)
    for companion in (job.params or {}).get("companions") or []:
        discard_staged(companion.get("staged_path", ""))
    if job.status == JobStatus.SUCCEEDED:
        import_listeners_notify(job)


def import_job_run(*, job_id: int, worker: str = "") -> str:
    """Run a queued import here (a worker does it through the job task)."""
    return job_execute("import", job_id, worker=worker or "this process")
