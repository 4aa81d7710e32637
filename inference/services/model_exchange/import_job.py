"""Model import as a job: the upload is staged and given its quick checks while the manager
waits (size, zip, description, network: a file that cannot be used is refused at once), then a
worker reads and checks the weights, runs the package's test input through the network and
stores the version as the job kind "model_import" (``inference/job_kinds.py``). The staged file
goes whatever the ending."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from annotations.models import Project, Role
from annotations.permissions import require_role
from annotations.services.imports.staging import (
    discard_staged,
    stage_upload,
    staged_file,
    staged_path,
)
from cellweb.jobs import JobContext, job_launch
from inference.models import ModelImportJob, ModelVersion
from inference.selectors.model_versions import verified_note
from inference.services.model_exchange.imports import (
    import_size_check,
    model_file_check,
    model_version_import,
)

__all__ = ["model_import_finish", "model_import_launch", "model_import_work"]


def model_import_launch(
    *, project: Project, user, upload: UploadedFile, arch: str | None = None, name: str = ""
) -> ModelImportJob:
    """Stage ``upload``, refuse at once what the quick checks find (nothing kept), queue the
    rest of the import and answer its job."""
    require_role(user, project, Role.MANAGER)
    import_size_check(upload.size or 0)
    original_name = Path(upload.name or "upload").name[:255] or "upload"
    relative, _sha256, _size = stage_upload(upload)
    try:
        model_file_check(staged_path(relative), arch=arch)
        return job_launch(
            "model_import",
            ModelImportJob,
            user=user,
            project=project,
            staged_path=relative,
            original_name=original_name,
            arch=arch or "",
            name=name.strip(),
            message="Waiting for a worker",
        )
    except BaseException:
        discard_staged(relative)
        raise


def import_result(version: ModelVersion) -> dict[str, Any]:
    """A finished import's result: the version and, in words, whether its test output was
    reproduced (``verified``) or why it could not be checked (``unverified``)."""
    origin = version.origin or {}
    return {
        "model_version": version.pk,
        "name": version.name,
        "verified": verified_note(origin.get("verified")),
        "unverified": origin.get("unverified"),
    }


def model_import_work(job: ModelImportJob, ctx: JobContext) -> dict[str, Any]:
    """Every check of ``model_version_import`` (the test input run through the network the
    slow one), then the version stored; a refusal fails the job with the 400's message."""
    if job.model_version_id is not None:  # a re-run after its worker was lost once it stored
        return import_result(job.model_version)
    path = staged_file(job.staged_path)
    ctx.progress(0.1, message="Checking the file and running its test input through the network")
    with ctx.keepalive():
        version = model_version_import(
            project=job.project,
            user=None,  # the launcher was checked at launch
            created_by=job.created_by,
            path=path,
            filename=job.original_name,
            arch=job.arch or None,
            name=job.name,
        )
    job.model_version = version
    job.message = f"Imported model version {version.pk}: {version.name}"
    ctx.save("model_version", "message")
    return import_result(version)


def model_import_finish(job: ModelImportJob) -> None:
    """The staged file goes whatever the ending: imported, refused or cancelled."""
    discard_staged(job.staged_path)
