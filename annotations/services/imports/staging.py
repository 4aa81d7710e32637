"""Uploads staged on disk until their import runs: each in a folder of its own, hashed while
written, refused past the upload limit, removed whatever the import's outcome."""

from __future__ import annotations

import hashlib
import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename

from annotations.services.imports.checks import upload_size_check
from cellweb.errors import InvalidInput

STAGING_DIR = "staging"
_CHUNK = 8 * 1024 * 1024


def _staging_root() -> Path:
    return Path(settings.MEDIA_ROOT) / STAGING_DIR


def _safe_filename(name: str) -> str:
    base = Path(name or "").name
    try:
        safe = get_valid_filename(base)
    except SuspiciousFileOperation:
        safe = "upload"
    if len(safe) > 120:
        suffix = Path(safe).suffix[:16]
        safe = safe[: 120 - len(suffix)] + suffix
    return safe or "upload"


def staged_path(relative: str) -> Path | None:
    """The absolute path of a staged upload, or None when ``relative`` points elsewhere."""
    if not relative:
        return None
    root = _staging_root().resolve()
    candidate = (Path(settings.MEDIA_ROOT) / relative).resolve()
    if root not in candidate.parents:
        return None
    return candidate


def staged_file(relative: str) -> Path:
    """The staged upload a job reads; ``InvalidInput`` when it is gone (removed, cleaned up)."""
    path = staged_path(relative)
    if path is None or not path.is_file():
        raise InvalidInput(
            "The uploaded file is no longer on the server (it was removed or the server was "
            "cleaned up); please upload it again."
        )
    return path


def discard_staged(relative: str) -> None:
    path = staged_path(relative)
    if path is None:
        return
    # Each upload has its own folder so the file keeps its name for the reader's messages.
    folder = path.parent
    if folder.resolve() != _staging_root().resolve():
        shutil.rmtree(folder, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def stage_upload(upload: UploadedFile) -> tuple[str, str, int]:
    """Stream an upload into the staging folder while hashing it: (relative path, sha256, bytes)."""
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    token = uuid.uuid4().hex
    filename = _safe_filename(upload.name)
    relative = f"{STAGING_DIR}/{token}/{filename}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    try:
        with open(target, "wb") as out:
            for chunk in upload.chunks(chunk_size=_CHUNK):
                size += len(chunk)
                if size > limit:
                    upload_size_check(size_bytes=max(size, upload.size or 0))
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        discard_staged(relative)
        raise
    return relative, digest.hexdigest(), size
