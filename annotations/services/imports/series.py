"""A time-lapse saved one file per frame (``{time}`` in a folder's name pattern, docs/imports.md):
its frames become the time points of one specimen only when they are alike. Every frame file
must hold one time point, in the same format, with the same volumes (label-free image, stain
channels), units and shape as the series' first frame; the first file that differs is named and
nothing of the field is stored."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from annotations.imaging.readers import ImageSource, VolumeHandle
from annotations.models import Project, Specimen
from annotations.services.imports.checks import channel_label, inspect_file
from cellweb.errors import ConflictError, InvalidInput

if TYPE_CHECKING:
    from pathlib import Path

    from annotations.services.imports.fields import FieldFile
    from annotations.services.imports.options import ImportOptions


def _signature(source: ImageSource, handles: list[VolumeHandle]) -> tuple:
    return (
        source.format,
        tuple((h.kind, channel_label(h), h.units, h.shape) for h in handles),
    )


def _describe(signature: tuple) -> str:
    fmt, volumes = signature
    parts = [
        f"{'label-free' if kind == 'label_free' else f'fluorescence {channel}'.strip()} "
        f"{'×'.join(map(str, shape))} (z×y×x, {units})"
        for kind, channel, units, shape in volumes
    ]
    return f"{fmt}: {', '.join(parts)}"


def series_check(frames: Sequence[tuple[str, str, ImageSource, list[VolumeHandle]]]) -> None:
    """``frames``: (role, file name, source, handles) per frame file, in time order; a role is
    the label-free image or the stain, each compared with the first file of its role.
    InvalidInput naming the first frame file that holds several time points or differs."""
    first: dict[str, tuple[str, tuple]] = {}
    for role, name, source, handles in frames:
        times = sorted({h.time_index for h in handles})
        if len(times) > 1:
            raise InvalidInput(
                f"{name} holds {len(times)} time points, but a time-lapse saved one file per "
                "frame needs one per file; nothing of this field was imported."
            )
        signature = _signature(source, handles)
        if role not in first:
            first[role] = (name, signature)
            continue
        first_name, expected = first[role]
        if signature != expected:
            raise InvalidInput(
                f"{name} is not like the series' first frame {first_name}: it holds "
                f"{_describe(signature)}, the first frame {_describe(expected)}. The frames of "
                "one field must have one format, modality and shape; nothing of this field was "
                "imported."
            )


def at_time_point(handles: list[VolumeHandle], time_index: int | None) -> list[VolumeHandle]:
    """A frame file's volumes placed at its frame's time point."""
    if time_index is None:
        return handles
    return [replace(h, time_index=time_index) for h in handles]


def series_check_files(files: Sequence[FieldFile]) -> None:
    """``series_check`` of a field's files (``fields.FieldFile``), read header only; a field of
    one file per specimen (no time points set) is not a series and passes."""
    framed = [f for f in files if f.options.time_index is not None]
    if not framed:
        return
    frames = []
    for file in framed:
        name = file.original_name or file.path.name
        source, handles = inspect_frame(name, path=file.path, options=file.options)
        frames.append((f"{file.options.modality} {file.options.channel}", name, source, handles))
    series_check(frames)


def inspect_frame(
    name: str, *, path: Path, options: ImportOptions, project: Project | None = None
) -> tuple[ImageSource, list[VolumeHandle]]:
    """``inspect_file`` of a field's file as it is (every time point it holds, for
    ``series_check``), a refusal saying which file of several it is about."""
    try:
        return inspect_file(path=path, options=replace(options, time_index=None), project=project)
    except InvalidInput as exc:
        raise InvalidInput(f"{name}: {exc.message}") from exc


def frame_interval_check(minutes) -> float | None:
    """The time between frames in minutes, as given by a person: empty, or above 0."""
    if minutes is None or minutes == "":
        return None
    try:
        value = float(minutes)
    except (TypeError, ValueError):
        raise InvalidInput(
            f"The frame interval must be a number of minutes, e.g. 5 or 0.5; got “{minutes}”."
        ) from None
    if not math.isfinite(value) or not 0 < value <= 100_000:
        raise InvalidInput(
            f"The frame interval must be above 0 and at most 100,000 minutes; got {minutes}."
        )
    return value


def specimen_frame_interval_set(specimen: Specimen, minutes: float | None) -> None:
    """Record the time between ``specimen``'s time points; a file that says otherwise than the
    specimen's stored interval is refused (409), since one time axis cannot have two."""
    if minutes is None:
        return
    known = specimen.frame_interval_min
    if known is None:
        specimen.frame_interval_min = minutes
        specimen.save(update_fields=["frame_interval_min"])
    elif not math.isclose(known, minutes, rel_tol=1e-6):
        raise ConflictError(
            f"The time points of specimen “{specimen.name}” are {known:g} min apart, but this "
            f"import says {minutes:g} min; nothing was imported. Give the frame interval the "
            "specimen has, or import into another specimen.",
            code="frame_interval_mismatch",
        )
