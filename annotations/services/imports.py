"""Bringing image files into a project: one code path for the web form, the API and the command.

``import_file`` checks a file cheaply (header only), refuses a file the project already holds,
then reads one volume at a time and stores it with ``volume_create``, all inside a single
``atomic_with_file_cleanup`` block: a refused or interrupted import leaves no row and no file.
Uploads go through ``import_job_create`` (staged to disk while hashing, checked at once so the
biologist learns about a bad file immediately) and run in a Celery worker (``import_job_run``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils.text import get_valid_filename

from annotations.imaging.errors import ImagingError
from annotations.imaging.readers import ImageSource, VolumeHandle, open_image, sha256_file
from annotations.models import (
    LABEL_FREE_MODALITIES,
    ImportJob,
    Modality,
    Project,
    SourceFile,
    Specimen,
    Volume,
)
from annotations.services.projects import lab_check, specimen_get_or_create, specimen_name_check
from annotations.services.volumes import atomic_with_file_cleanup, volume_create
from cellweb.errors import InvalidInput, PayloadTooLarge
from cellweb.events import job_group, send_now
from cellweb.jobs import JobCancelled, JobRunner, JobStatus

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
STAGING_DIR = "staging"
_CHUNK = 8 * 1024 * 1024
# RI of water is 1.333 and of lipid droplets about 1.40; values far outside mean the file holds
# intensities or a contrast image rather than a refractive-index tomogram.
_PLAUSIBLE_RI = (1.0, 2.0)


@dataclass
class ImportResult:
    specimen: Specimen
    volumes: list[tuple[str, str, int, tuple[int, int, int]]]
    time_points: list[int]
    sections_count: int
    source_file: SourceFile
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        """A JSON-safe description (stored on the job, shown on the page)."""
        return {
            # Flat values first: the import page lists them as they are.
            "specimen_name": self.specimen.name,
            "volumes_created": len(self.volumes),
            "time_points_count": len(self.time_points),
            "sections_count": self.sections_count,
            "specimen": {
                "id": self.specimen.pk,
                "name": self.specimen.name,
                "lab": self.specimen.lab,
            },
            "volumes": [
                {"modality": modality, "channel": channel, "time_index": t, "shape": list(shape)}
                for modality, channel, t, shape in self.volumes
            ],
            "time_points": self.time_points,
            "source_file": {
                "id": self.source_file.pk,
                "name": self.source_file.original_name,
                "format": self.source_file.format,
                "sha256": self.source_file.sha256,
            },
            "warnings": self.warnings,
        }

    def describe(self) -> list[str]:
        """Lines a person reads after an import."""
        lines = [
            f"Specimen “{self.specimen.name}”"
            + (f" (lab {self.specimen.lab})" if self.specimen.lab else "")
        ]
        for modality, channel, t, shape in self.volumes:
            label = f"{modality} {channel}".strip()
            lines.append(f"  {label:<22} time point {t:<3} {'×'.join(map(str, shape))} (z×y×x)")
        lines.append(
            f"{len(self.volumes)} volume(s), {len(self.time_points)} time point(s), "
            f"{self.sections_count} section(s)."
        )
        lines += [f"Warning: {w}" for w in self.warnings]
        return lines


# --------------------------------------------------------------------------- checking input


def modality_check(modality: str) -> str:
    if modality not in Modality.values:
        raise InvalidInput(
            f"Unknown modality “{modality}”; choose one of {', '.join(Modality.values)} "
            "(ri = refractive-index tomogram)."
        )
    return modality


def time_index_check(time_index: int | None) -> int | None:
    if time_index is None:
        return None
    if (
        isinstance(time_index, bool)
        or not isinstance(time_index, int)
        or time_index < 0
        or time_index > 100_000
    ):
        raise InvalidInput(f"The time point must be a whole number from 0 up; got {time_index!r}.")
    return time_index


def voxel_size_check(voxel_size: Sequence[float] | None) -> tuple[float, ...] | None:
    if voxel_size is None:
        return None
    try:
        values = tuple(float(v) for v in voxel_size)
    except (TypeError, ValueError):
        raise InvalidInput(
            "The voxel size must be numbers in micrometres, e.g. 0.195,0.098,0.098."
        ) from None
    if len(values) not in (2, 3) or not all(math.isfinite(v) and 0 < v < 1000 for v in values):
        raise InvalidInput(
            "The voxel size must be three positive numbers z,y,x in micrometres "
            "(e.g. 0.195,0.098,0.098), or y,x for a 2D image."
        )
    return values


def parse_voxel_size(text: str) -> list[float] | None:
    """“0.195,0.098,0.098” (z,y,x, micrometres; spaces or ×/x also work) → [z, y, x]."""
    text = (text or "").strip()
    if not text:
        return None
    parts = [p for p in text.replace("×", ",").replace("x", ",").replace(" ", ",").split(",") if p]
    try:
        return [float(p) for p in parts]
    except ValueError:
        raise InvalidInput(
            f"The voxel size “{text}” is not understood; write three numbers z,y,x in micrometres, "
            "e.g. 0.195,0.098,0.098."
        ) from None


def _mb(size_bytes: int) -> str:
    return f"{size_bytes / (1024 * 1024):.1f}"


def upload_size_check(*, size_bytes: int) -> None:
    """PayloadTooLarge when a file exceeds ``settings.MAX_UPLOAD_MB``."""
    limit_mb = settings.MAX_UPLOAD_MB
    if size_bytes > limit_mb * 1024 * 1024:
        raise PayloadTooLarge(
            f"The file is {_mb(size_bytes)} MB; the limit is {limit_mb} MB. Import larger files on the "
            "server with “manage.py import_volume”, or ask the administrator to raise CELLWEB_MAX_UPLOAD_MB."
        )


def _channel_label(handle: VolumeHandle) -> str:
    return handle.channel if handle.kind == "fluorescence" else ""


def inspect_file(
    *,
    path: str | Path,
    modality: str,
    channel: str = "",
    dataset: str | None = None,
    time_index: int | None = None,
    voxel_size: Sequence[float] | None = None,
) -> tuple[ImageSource, list[VolumeHandle]]:
    """Open a file without reading its pixels and decide which volumes an import would create.

    A file with one time point is stored at ``time_index`` (so a DAPI stack can join time point 3
    of a time-lapse specimen); a file with several keeps only that time point. ``channel`` names
    the channel of a single-channel fluorescence file (“DAPI”), renames the only fluorescence
    channel of a TCF, or picks one channel of a multi-channel file.
    """
    modality_check(modality)
    time_index_check(time_index)
    channel = (channel or "").strip()
    if len(channel) > 32:
        raise InvalidInput("The channel name is too long (at most 32 characters, e.g. “DAPI”).")
    try:
        source = open_image(
            path,
            modality=modality,
            dataset=(dataset or None),
            time_index=None,
            voxel_size=voxel_size,
            channel=None,
        )
    except ImagingError as exc:
        raise InvalidInput(exc.message) from exc
    except (OSError, KeyError, TypeError, ValueError, RuntimeError) as exc:
        logger.warning("Could not inspect %s", path, exc_info=True)
        raise InvalidInput(
            f"'{Path(path).name}' could not be read as an image; it seems corrupt or is not a "
            f"supported format ({type(exc).__name__})."
        ) from exc
    handles = list(source.volumes)
    if not handles:
        raise InvalidInput(f"'{Path(path).name}' holds no image volume.")

    times = sorted({h.time_index for h in handles})
    if time_index is not None:
        if len(times) == 1:
            handles = [replace(h, time_index=time_index) for h in handles]
        else:
            handles = [h for h in handles if h.time_index == time_index]
            if not handles:
                raise InvalidInput(
                    f"Time point {time_index} is not in '{Path(path).name}'; it has "
                    f"{len(times)} time points ({times[0]}–{times[-1]})."
                )

    fl_channels = sorted({h.channel for h in handles if h.kind == "fluorescence"})
    if channel:
        if channel in fl_channels:
            handles = [h for h in handles if h.kind == "label_free" or h.channel == channel]
        elif len(fl_channels) == 1:
            handles = [
                replace(h, channel=channel) if h.kind == "fluorescence" else h for h in handles
            ]
        elif not fl_channels:
            raise InvalidInput(
                f"'{Path(path).name}' holds no fluorescence channel, so the channel “{channel}” "
                "does not apply; leave the channel empty for a label-free image."
            )
        else:
            raise InvalidInput(
                f"Fluorescence channel “{channel}” is not in '{Path(path).name}'; it has the "
                f"channels {', '.join(fl_channels)}. Give one of these names or leave it empty."
            )
    # Label-free first at each time point, so every fluorescence volume finds its partner.
    handles.sort(key=lambda h: (h.time_index, h.kind != "label_free", h.channel))
    return source, handles


def _shape_text(shape) -> str:
    return "×".join(map(str, shape))


def fit_check(
    *, project: Project, specimen_name: str, modality: str, handles: list[VolumeHandle]
) -> None:
    """Refuse, before any pixel is read, volumes that clash with the specimen or with each other.

    A fluorescence stack must match its label-free partner of the same time point section by
    section, and a specimen holds one volume per modality, channel and time point.
    """
    specimen = Specimen.objects.filter(project=project, name=specimen_name).first()
    existing = list(Volume.objects.filter(specimen=specimen)) if specimen else []
    planned: list[tuple[str, str, int, tuple[int, int, int]]] = [
        (
            Modality.FLUORESCENCE if h.kind == "fluorescence" else modality,
            _channel_label(h),
            h.time_index,
            h.shape,
        )
        for h in handles
    ]
    known = [(v.modality, v.channel, v.time_index, v.shape) for v in existing]
    for number, (mod, channel, t, shape) in enumerate(planned):
        label = f"{mod} {channel}".strip()
        if any((m, c, tt) == (mod, channel, t) for m, c, tt, _ in known):
            raise InvalidInput(
                f"Specimen “{specimen_name}” already has a {label} volume at time point {t}; choose another "
                "specimen name or time point."
            )
        is_label_free = mod in LABEL_FREE_MODALITIES
        partners = [
            (m, s)
            for m, _c, tt, s in known + planned[:number]
            if tt == t and (m in LABEL_FREE_MODALITIES) != is_label_free
        ]
        for partner_modality, partner_shape in partners:
            if partner_shape != shape:
                stain, free = (
                    (label, partner_modality) if not is_label_free else (partner_modality, label)
                )
                stain_shape, free_shape = (
                    (shape, partner_shape) if not is_label_free else (partner_shape, shape)
                )
                raise InvalidInput(
                    f"The {stain} stack is {_shape_text(stain_shape)} (z×y×x) but the {free} image of "
                    f"“{specimen_name}” at time point {t} is {_shape_text(free_shape)}; a fluorescence stack "
                    "must match its label-free image section by section."
                )


def duplicate_check(*, project: Project, sha256: str, in_flight: bool = False) -> None:
    """Refuse a file whose exact content the project already holds (or, with ``in_flight``, is
    already queued or running as an upload)."""
    earlier = (
        SourceFile.objects.filter(project=project, sha256=sha256)
        .select_related("uploaded_by")
        .first()
    )
    if earlier is not None:
        specimens = sorted(set(earlier.volumes.values_list("specimen__name", flat=True)))
        where = f" (specimen {', '.join('“' + s + '”' for s in specimens)})" if specimens else ""
        by = f" by {earlier.uploaded_by.get_username()}" if earlier.uploaded_by else ""
        raise InvalidInput(
            f"This file was already imported into project “{project.name}” as "
            f"“{earlier.original_name}” on {earlier.created_at:%Y-%m-%d %H:%M}{by}{where}; "
            "it was not imported again."
        )
    if not in_flight:
        return
    waiting = (
        ImportJob.objects.filter(
            project=project, status__in=[JobStatus.QUEUED, JobStatus.RUNNING], params__sha256=sha256
        )
        .order_by("id")
        .first()
    )
    if waiting is not None:
        raise InvalidInput(
            f"This file is already being imported (import #{waiting.pk} of “{waiting.original_name}”); "
            "wait for it to finish."
        )


# --------------------------------------------------------------------------- the import


def _load(handle: VolumeHandle):
    try:
        return handle.load()
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


def import_file(
    *,
    path: str | Path,
    project: Project,
    specimen_name: str,
    modality: str,
    channel: str = "",
    dataset: str | None = None,
    time_index: int | None = None,
    lab: str = "",
    voxel_size: Sequence[float] | None = None,
    user=None,
    original_name: str | None = None,
    progress: Progress | None = None,
    sha256: str | None = None,
) -> ImportResult:
    """Import every volume of one file into a specimen of ``project``, all or nothing.

    ``sha256`` may be passed when the caller already hashed the file (uploads are hashed while
    they are staged).
    """
    report: Progress = progress or (lambda fraction, message: None)
    path = Path(path)
    display_name = original_name or path.name
    specimen_name = specimen_name_check(specimen_name)
    lab = lab_check(lab)
    voxel_size = voxel_size_check(voxel_size)

    report(0.0, f"Checking {display_name}")
    source, handles = inspect_file(
        path=path,
        modality=modality,
        channel=channel,
        dataset=dataset,
        time_index=time_index,
        voxel_size=voxel_size,
    )
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
    sections_count = 0

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
                raise InvalidInput(
                    "This file was imported into the project a moment ago by another import."
                ) from None
            except ValidationError as exc:
                raise InvalidInput(" ".join(exc.messages)) from exc
            specimen, _ = specimen_get_or_create(project=project, name=specimen_name, lab=lab)

            for number, (handle, weight) in enumerate(zip(handles, weights), start=1):
                step = f"({number}/{len(handles)})"
                report(fraction(), f"Reading the {handle.description} {step}")
                data = _load(handle)
                report(fraction(0.5 * weight), f"Storing the {handle.description} {step}")
                target_modality = (
                    Modality.FLUORESCENCE if handle.kind == "fluorescence" else modality
                )
                try:
                    volume = volume_create(
                        specimen=specimen,
                        data=data,
                        modality=target_modality,
                        channel=_channel_label(handle),
                        time_index=handle.time_index,
                        voxel_size=handle.voxel_size,
                        source_file=source_file,
                        units=handle.units,
                    )
                except ValidationError as exc:
                    raise InvalidInput(" ".join(exc.messages)) from exc
                del data
                created.append((volume.modality, volume.channel, volume.time_index, volume.shape))
                sections_count += volume.size_z
                if volume.modality == Modality.RI and (
                    warning := _ri_warning(volume, handle.description)
                ):
                    warnings.append(warning)
                done_weight += weight
            report(0.97, "Saving")
    except IntegrityError:
        # Two imports created the same specimen or volume at the same moment; one of them wins.
        raise InvalidInput(
            f"Another import changed specimen “{specimen_name}” at the same moment; nothing was "
            "imported from this file. Please try again."
        ) from None

    report(1.0, f"Imported {len(created)} volume(s) with {sections_count} section(s)")
    return ImportResult(
        specimen=specimen,
        volumes=created,
        time_points=sorted({t for _, _, t, _ in created}),
        sections_count=sections_count,
        source_file=source_file,
        warnings=warnings,
    )


# --------------------------------------------------------------------------- uploads as jobs


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


def _discard_staged(relative: str) -> None:
    path = staged_path(relative)
    if path is None:
        return
    # Each upload has its own folder so the file keeps its name for the reader's messages.
    folder = path.parent
    if folder.resolve() != _staging_root().resolve():
        shutil.rmtree(folder, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _stage_upload(upload: UploadedFile) -> tuple[str, str, int]:
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
        _discard_staged(relative)
        raise
    return relative, digest.hexdigest(), size


def _enqueue(job_id: int) -> None:
    from annotations.tasks import run_import

    try:
        run_import.delay(job_id)
    except Exception as exc:  # an unreachable broker must not leave the job queued forever
        logger.exception("Could not queue import job %s", job_id)
        job = ImportJob.objects.filter(pk=job_id).first()
        if job is not None and not job.is_final:
            JobRunner(job).terminate(
                JobStatus.FAILED,
                error=f"The background worker queue is not reachable ({type(exc).__name__}).",
            )
            _discard_staged(job.staged_path)


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
) -> ImportJob:
    """Stage an uploaded file, refuse a bad or duplicate one at once, and queue its import."""
    upload_size_check(size_bytes=upload.size or 0)
    specimen_name = specimen_name_check(specimen_name)
    lab = lab_check(lab)
    modality_check(modality)
    time_index_check(time_index)
    voxel_size = voxel_size_check(voxel_size)
    channel = (channel or "").strip()
    dataset = (dataset or "").strip()
    if len(dataset) > 500:
        raise InvalidInput("The dataset path is too long (at most 500 characters).")
    original_name = Path(upload.name or "upload").name[:255] or "upload"

    relative, sha256, size = _stage_upload(upload)
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
                },
            )
            job.full_clean()
            job.save()
            transaction.on_commit(lambda: _enqueue(job.pk))
    except BaseException:
        _discard_staged(relative)
        raise
    return job


def _job_event(job: ImportJob) -> None:
    send_now(
        job_group("import", job.pk),
        {
            "kind": "import",
            "id": job.pk,
            "status": job.status,
            "progress": job.progress,
            "message": job.message,
            "error": job.error,
        },
    )


class _ProgressWriter:
    """Records an import's progress and heartbeat while the import's transaction is still open.

    The writes happen on a thread of their own, hence on a database connection of their own, so
    the web sees them at once; the thread also keeps the heartbeat alive during one long read.
    Inside an enclosing transaction (eager tasks in tests) the job row may not be visible to
    another connection, so progress is then written in line.
    """

    MIN_INTERVAL_S = 0.5
    KEEPALIVE_S = 20.0

    def __init__(self, runner: JobRunner):
        self.runner = runner
        self.threaded = not connection.in_atomic_block
        self._cond = threading.Condition()
        self._pending: tuple[float, str] | None = None
        self._closing = False
        self._cancelled = False
        self._last_inline = 0.0
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _ProgressWriter:
        if self.threaded:
            self._thread = threading.Thread(
                target=self._loop, name=f"import-progress-{self.runner.job.pk}", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._thread is not None:
            with self._cond:
                self._closing = True
                self._cond.notify()
            self._thread.join()

    def report(self, fraction: float, message: str) -> None:
        if self._cancelled:
            raise JobCancelled()
        if self.threaded:
            with self._cond:
                self._pending = (fraction, message)
                self._cond.notify()
            return
        now = time.monotonic()
        if now - self._last_inline >= self.MIN_INTERVAL_S or fraction >= 1.0:
            self._last_inline = now
            self.runner.heartbeat(progress=fraction, message=message)

    def _write(self, item: tuple[float, str] | None) -> None:
        try:
            if item is None:
                self.runner.heartbeat()
            else:
                self.runner.heartbeat(progress=item[0], message=item[1])
        except JobCancelled:
            self._cancelled = True
        except Exception:  # progress is a courtesy; the import itself must go on
            logger.warning("Could not record import progress", exc_info=True)

    def _loop(self) -> None:
        try:
            while True:
                with self._cond:
                    if self._pending is None and not self._closing:
                        self._cond.wait(self.KEEPALIVE_S)
                    item, self._pending = self._pending, None
                    closing = self._closing
                if item is not None or not closing:
                    self._write(item)
                if closing and item is None:
                    return
                with self._cond:
                    if not self._closing:
                        self._cond.wait(self.MIN_INTERVAL_S)
        finally:
            connection.close()


def import_job_run(*, job_id: int) -> None:
    """Run a queued import (in a Celery worker); the staged file is removed whatever happens."""
    job = ImportJob.objects.select_related("project", "created_by").filter(pk=job_id).first()
    if job is None:
        logger.warning("Import job %s no longer exists", job_id)
        return
    if job.is_final:
        return
    if job.status == JobStatus.RUNNING and not job.is_stale():
        # A redelivered message while another worker is still on it (its heartbeat is fresh).
        logger.info("Import job %s is already running elsewhere", job_id)
        return
    params = job.params or {}

    def work(runner: JobRunner) -> dict:
        path = staged_path(job.staged_path)
        if path is None or not path.is_file():
            raise InvalidInput(
                "The uploaded file is no longer on the server (it was removed or the server was "
                "cleaned up); please upload it again."
            )
        with _ProgressWriter(runner) as writer:
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
                progress=writer.report,
                sha256=params.get("sha256"),
            )
        job.specimen = result.specimen
        job.message = (
            f"Imported {len(result.volumes)} volume(s) with {result.sections_count} section(s)"
        )
        job.save(update_fields=["specimen", "message"])
        return result.summary()

    try:
        JobRunner(job, on_change=_job_event).run(work)
    finally:
        _discard_staged(job.staged_path)


__all__ = [
    "parse_voxel_size",
    "ImportResult",
    "duplicate_check",
    "fit_check",
    "import_file",
    "import_job_create",
    "import_job_run",
    "inspect_file",
    "upload_size_check",
]
