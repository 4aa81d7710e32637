"""Importing one field of view: its label-free image and its stain (or, for a time-lapse saved one
file per frame, every frame's) into one specimen, all or nothing. The folder command runs it in
the foreground; a batch upload's import job runs it in a worker (``import_job_work``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from annotations.models import Project
from annotations.services.imports.importer import ImportResult, Progress, import_file
from annotations.services.imports.options import ImportOptions
from annotations.services.imports.pairing import FieldFiles
from annotations.services.imports.series import series_check_files
from annotations.services.volumes import atomic_with_file_cleanup


@dataclass(frozen=True)
class FieldFile:
    """One file of a field and how to read it (its time point: a frame of a time-lapse saved one
    file per frame; None: the file's own)."""

    path: Path
    options: ImportOptions
    original_name: str = ""
    sha256: str | None = None


def field_files(
    *, field: FieldFiles, folder: Path, options: ImportOptions, stain_channel: str = ""
) -> list[FieldFile]:
    """The files of ``field`` under ``folder``: the label-free image with ``options`` (its
    modality and channels), the stain as fluorescence named ``stain_channel``; frame by frame,
    at its time point, for a time-lapse saved one file per frame."""
    files = []
    for time_index, label_free, stain in field.timeline:
        files.append(FieldFile(folder / label_free, options.frame(time_index), label_free))
        if stain:
            files.append(FieldFile(folder / stain, options.stain(stain_channel, time_index), stain))
    return files


def import_field(
    *,
    project: Project,
    specimen_name: str,
    files: Sequence[FieldFile],
    user=None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import ``files`` (label-free first) into specimen ``specimen_name``; a refused file
    leaves none of them imported. The frames of a time-lapse are checked to agree first
    (``series_check``); each file's options carry the field's lab, voxel size and frame
    interval."""
    report: Progress = progress or (lambda fraction, message: None)
    series_check_files(files)
    results: list[ImportResult] = []
    with atomic_with_file_cleanup():
        for number, file in enumerate(files):

            def part(fraction: float, message: str, number: int = number) -> None:
                report((number + fraction) / len(files), message)

            results.append(
                import_file(
                    path=file.path,
                    project=project,
                    specimen_name=specimen_name,
                    options=file.options,
                    user=user,
                    original_name=file.original_name or file.path.name,
                    progress=part,
                    sha256=file.sha256,
                )
            )
    return ImportResult.merge(results)
