"""Uploads as jobs: staged and checked at once (a bad file is refused while the biologist waits),
then imported by a worker as the job kind "import" (``annotations/job_kinds.py``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from annotations.models import ImportJob, Project
from annotations.services.imports.checks import (
    inspect_file,
    modality_check,
    time_index_check,
    upload_size_check,
)
from annotations.services.imports.duplicates import duplicate_check
from annotations.services.imports.fields import FieldFile, import_field
from annotations.services.imports.fit import fit_check
from annotations.services.imports.importer import import_file
from annotations.services.imports.listeners import import_listeners_notify
from annotations.services.imports.options import ImportOptions
from annotations.services.imports.staging import (
    discard_staged,
    stage_upload,
    staged_file,
)
from annotations.services.projects import specimen_name_check
from cellweb.errors import InvalidInput
from cellweb.jobs import JobContext, JobStatus, job_create, job_execute


def import_job_create(
    *, project: Project, user, upload: UploadedFile, specimen_name: str, options: ImportOptions
) -> ImportJob:
    """Stage an uploaded file, refuse a bad or duplicate one at once, and queue its import;
    ``options.frame_interval_min`` overrides the file's own frame interval."""
    upload_size_check(size_bytes=upload.size or 0)
    specimen_name = specimen_name_check(specimen_name)
    modality_check(options.modality)
    time_index_check(options.time_index)
    options = options.checked()
    options = replace(
        options,
        channel=(options.channel or "").strip(),
        dataset=(options.dataset or "").strip(),
    )
    if len(options.dataset) > 500:
        raise InvalidInput("The dataset path is too long (at most 500 characters).")
    original_name = Path(upload.name or "upload").name[:255] or "upload"

    relative, sha256, size = stage_upload(upload)
    try:
        upload_size_check(size_bytes=size)
        if size == 0:
            raise InvalidInput(f"'{original_name}' is empty (0 bytes).")
        path = Path(settings.MEDIA_ROOT) / relative
        _source, handles = inspect_file(path=path, options=options, project=project)
        fit_check(
            project=project, specimen_name=specimen_name, modality=options.modality, handles=handles
        )
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
                    **options.to_dict(),
                    "sha256": sha256,
                    "size_bytes": size,
                },
            )
            job_create("import", job)
    except BaseException:
        discard_staged(relative)
        raise
    return job


def import_job_work(job: ImportJob, ctx: JobContext) -> dict[str, Any]:
    """The import of a staged upload: all volumes or none (``import_file``). A field of a batch
    upload brings its stain as a companion file, imported with it or not at all."""
    params = job.params or {}
    path = staged_file(job.staged_path)

    def progress(fraction: float, message: str) -> None:
        ctx.progress(fraction, message=message)

    options = ImportOptions.from_dict(params)
    with ctx.keepalive():
        companions = params.get("companions") or []
        if companions:
            files = [FieldFile(path, options, job.original_name, params.get("sha256"))]
            files += [
                FieldFile(
                    staged_file(companion.get("staged_path", "")),
                    _companion_options(options, companion),
                    companion.get("original_name", ""),
                    companion.get("sha256"),
                )
                for companion in companions
            ]
            result = import_field(
                project=job.project,
                specimen_name=params.get("specimen_name", ""),
                files=files,
                user=job.created_by,
                progress=progress,
            )
        else:
            result = import_file(
                path=path,
                project=job.project,
                specimen_name=params.get("specimen_name", ""),
                options=options,
                user=job.created_by,
                original_name=job.original_name,
                progress=progress,
                sha256=params.get("sha256"),
            )
    job.specimen = result.specimen
    job.message = f"Imported {len(result.volumes)} volume(s) with {result.sections_text()}"
    ctx.save("specimen", "message")
    return result.summary()


def _companion_options(options: ImportOptions, companion: dict) -> ImportOptions:
    """A field's other file as its staged record says: a frame of the label-free image (every
    frame of a time-lapse has the field's channels), or the stain (fluorescence)."""
    channel = companion.get("channel") or ""
    time_index = companion.get("time_index")
    if companion.get("modality", "") == options.modality:
        return replace(options.frame(time_index), channel=channel)
    return options.stain(channel, time_index)


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
