"""Checks that refuse a bad import before any pixel is read: names, modality, time point, voxel
size, upload size and what a file holds (whether it fits the specimen: ``fit.py``; duplicates:
``annotations.services.imports.duplicates``)."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from annotations.imaging.errors import ImagingError
from annotations.imaging.readers import ImageSource, VolumeHandle, open_image
from annotations.imaging.readers.select import channels_text, is_channel
from annotations.models import (
    Modality,
    Project,
)
from annotations.selectors.channels import project_channel_names, project_stain_names
from annotations.services.imports.channels import (
    NamedChannels,
    channels_by_name,
    stain_channels_check,
    stains_as_fluorescence,
)
from annotations.services.imports.duplicates import duplicate_check as duplicate_check
from cellweb.errors import InvalidInput, PayloadTooLarge

if TYPE_CHECKING:
    from annotations.services.imports.options import ImportOptions

logger = logging.getLogger(__name__)


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


def first_time_check(first_time: int | None, *, time_index: int | None) -> int | None:
    """The time point where a file's series starts in the specimen's, checked as
    ``time_index_check``; it cannot go with ``time_index`` (one frame kept)."""
    if first_time is None:
        return None
    if time_index is not None:
        raise InvalidInput(
            "Give either the time point (one frame of the file kept, or a single stack stored at "
            "it) or the first time point (every frame of the file, from it on), not both."
        )
    try:
        return time_index_check(first_time)
    except InvalidInput:
        raise InvalidInput(
            f"The first time point must be a whole number from 0 up; got {first_time!r}."
        ) from None


def _from_first_time(
    handles: list[VolumeHandle], first_time: int, times: list[int], *, name: str
) -> list[VolumeHandle]:
    """``handles`` moved so that the file's first time point is ``first_time``; the file's
    steps between its time points are kept."""
    shift = first_time - times[0]
    last = times[-1] + shift
    if last > 100_000:
        raise InvalidInput(
            f"'{name}' holds time points up to {times[-1] - times[0]} after its first; from "
            f"time point {first_time} on they would end at {last}, past 100,000."
        )
    return [replace(h, time_index=h.time_index + shift) for h in handles]


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


# What parse_voxel_size and voxel_size_check accept, for the API schema: empty, or 2-3 numbers
# above 0 and below 1000 separated by commas, x, × or spaces (ASCII digits and spaces only).
_POSITIVE_BELOW_1000 = r"(?:[1-9][0-9]{0,2}(?:\.[0-9]+)?|0?\.[0-9]*[1-9][0-9]*)"
VOXEL_SIZE_PATTERN = (
    rf"^ *(?:{_POSITIVE_BELOW_1000}(?:(?: *[,x×] *| +){_POSITIVE_BELOW_1000}){{1,2}})? *$"
)


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


def channel_label(handle: VolumeHandle) -> str:
    return handle.stored_channel if handle.kind == "fluorescence" else ""


def inspect_file(
    *, path: str | Path, options: ImportOptions, project: Project | None = None
) -> tuple[ImageSource, list[VolumeHandle]]:
    """Open a file without reading its pixels and decide which volumes an import would create.

    A file with one time point is stored at ``options.time_index`` (so a DAPI stack can join
    time point 3 of a time-lapse specimen); a file with several keeps only that time point.
    ``options.first_time_index`` keeps every time point and moves them all, the file's first to
    it (a chunk of a time-lapse: t 10-19 of a series whose t 0-9 came in another file).
    ``options.channel`` names the channel of a single-channel fluorescence file (“DAPI”), renames
    the only fluorescence channel of a TCF, or picks one channel of a multi-channel file.
    ``channel_axis`` and ``channel_names`` describe a multi-channel label-free image
    (``readers.open_image``), whose ``stain_channels`` become fluorescence volumes paired with it
    (``channels.py``). Without any of these, a file whose channel names say which channel is
    label-free and which the stain is read by them (``channels_by_name``, spelled as the
    ``project``'s channels where they are those but for case or the same dye); its handles'
    ``info`` says so, and their ``note`` warns when a name says another contrast than the
    modality.
    """
    modality = modality_check(options.modality)
    time_index = time_index_check(options.time_index)
    first_time = first_time_check(options.first_time_index, time_index=time_index)
    named = _named_channels(path, options, project)
    options = named.options
    channel_names = options.channel_names
    stains = stain_channels_check(
        options.stain_channels, modality=modality, channel_names=channel_names
    )
    channel = (options.channel or "").strip()
    if len(channel) > 32:
        raise InvalidInput("The channel name is too long (at most 32 characters, e.g. “DAPI”).")
    try:
        source = open_image(
            path,
            modality=modality,
            dataset=(options.dataset or None),
            time_index=None,
            voxel_size=options.voxel_size,
            channel=None,
            channel_axis=options.channel_axis,
            channel_names=channel_names,
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
    if first_time is not None:
        handles = _from_first_time(handles, first_time, times, name=Path(path).name)
    elif time_index is not None:
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
        if any(h.kind == "fluorescence" and is_channel(h, channel) for h in handles):
            handles = [h for h in handles if h.kind == "label_free" or is_channel(h, channel)]
        elif len(fl_channels) == 1:
            handles = [
                replace(h, channel=channel, dye="") if h.kind == "fluorescence" else h
                for h in handles
            ]
        elif not fl_channels:
            raise InvalidInput(
                f"'{Path(path).name}' holds no fluorescence channel, so the channel “{channel}” "
                "does not apply; leave the channel empty for a label-free image."
            )
        else:
            raise InvalidInput(
                f"Fluorescence channel “{channel}” is not in '{Path(path).name}'; it has the "
                f"channels {channels_text(handles)}. Give one of these names or leave it empty."
            )
    handles = stains_as_fluorescence(handles, stains)
    if named.note:
        handles = [
            replace(
                h,
                info=named.note,
                note=" ".join(filter(None, [h.note, named.warning])),
                dye=named.stored.get(h.channel, h.dye) if h.kind == "fluorescence" else h.dye,
            )
            for h in handles
        ]
    # Label-free first at each time point, so every fluorescence volume finds its partner.
    # The sort is stable: a multi-channel label-free image keeps its channels in the file's order.
    handles.sort(key=lambda h: (h.time_index, h.kind != "label_free", channel_label(h)))
    return source, handles


def _named_channels(
    path: str | Path, options: ImportOptions, project: Project | None
) -> NamedChannels:
    """``channels_by_name`` of ``path``, spelled as the ``project``'s channels and stains."""
    if project is None:
        return channels_by_name(Path(path), options)
    return channels_by_name(
        Path(path),
        options,
        known=project_channel_names(project.pk),
        known_stains=project_stain_names(project.pk),
    )


def stains_by_name(
    *, path: str | Path, options: ImportOptions, project: Project | None = None
) -> tuple[str, ...]:
    """The stain channels an import of ``path`` picks by the file's own channel names, read
    from its header alone (the dry run of a folder); () when it picks none. InvalidInput as the
    import refuses a file whose names do not say which channel is which."""
    named = _named_channels(path, options, project)
    return named.stains if named.note else ()
