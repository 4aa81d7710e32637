"""Importing one field of view: its label-free image and its stain (or, for a time-lapse saved one
file per frame, every frame's) into one specimen, all or nothing. The folder command runs it in
the foreground; a batch upload's import job runs it in a worker (``import_job_work``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from annotations.models import Modality, Project
from annotations.services.imports.importer import ImportResult, Progress, import_file
from annotations.services.imports.pairing import FieldFiles
from annotations.services.imports.series import series_check_files
from annotations.services.volumes import atomic_with_file_cleanup


@dataclass(frozen=True)
class FieldFile:
    """One file of a field and how to read it."""

    path: Path
    modality: str
    channel: str = ""
    original_name: str = ""
    sha256: str | None = None
    # A multi-channel label-free image (docs/channels.md).
    channel_axis: int | None = None
    channel_names: tuple[str, ...] = ()
    stain_channels: tuple[str, ...] = ()
    # The time point of a frame of a time-lapse saved one file per frame; None: the file's own.
    time_index: int | None = None


def field_files(
    *,
    field: FieldFiles,
    folder: Path,
    modality: str,
    stain_channel: str = "",
    channel_axis: int | None = None,
    channel_names: Sequence[str] = (),
    stain_channels: Sequence[str] = (),
) -> list[FieldFile]:
    """The files of ``field`` under ``folder``: the label-free image as ``modality`` (with its
    channels, when ``channel_axis`` or ``channel_names`` describe them, and its
    ``stain_channels``), the stain as fluorescence named ``stain_channel``; frame by frame, at
    its time point, for a time-lapse saved one file per frame."""
    files = []
    for time_index, label_free, stain in field.timeline:
        files.append(
            FieldFile(
                folder / label_free,
                modality,
                "",
                label_free,
                channel_axis=channel_axis,
                channel_names=tuple(channel_names),
                stain_channels=tuple(stain_channels),
                time_index=time_index,
            )
        )
        if stain:
            files.append(
                FieldFile(
                    folder / stain,
                    Modality.FLUORESCENCE,
                    stain_channel,
                    stain,
                    time_index=time_index,
                )
            )
    return files


def import_field(
    *,
    project: Project,
    specimen_name: str,
    files: Sequence[FieldFile],
    lab: str = "",
    voxel_size: Sequence[float] | None = None,
    user=None,
    progress: Progress | None = None,
    frame_interval_min: float | None = None,
) -> ImportResult:
    """Import ``files`` (label-free first) into specimen ``specimen_name``; a refused file
    leaves none of them imported. The frames of a time-lapse are checked to agree first
    (``series_check``); ``frame_interval_min`` is the time between its frames."""
    report: Progress = progress or (lambda fraction, message: None)
    series_check_files(files, voxel_size=voxel_size)
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
                    modality=file.modality,
                    channel=file.channel,
                    lab=lab,
                    voxel_size=voxel_size,
                    user=user,
                    original_name=file.original_name or file.path.name,
                    progress=part,
                    sha256=file.sha256,
                    channel_axis=file.channel_axis,
                    channel_names=file.channel_names,
                    stain_channels=file.stain_channels,
                    time_index=file.time_index,
                    frame_interval_min=frame_interval_min,
                )
            )
    return ImportResult.merge(results)
