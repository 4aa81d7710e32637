"""Storing volumes and cutting them into sections.

Arrays live in files behind Django's storage API (one C-ordered ``.npy`` per volume, so one
z-section is a contiguous slice that can be memory-mapped); sections are rows. A volume and its
sections are created together or not at all, and a file written for a transaction that rolls
back is removed again.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import numpy as np
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction

from annotations.imaging.npy_bytes import NpyBytes
from annotations.imaging.sections import section_stats
from annotations.models import (
    LABEL_FREE_MODALITIES,
    Modality,
    Section,
    SourceFile,
    Specimen,
    Volume,
)
from annotations.services.volume_channels import channel_names_check, project_channels_check
from cellweb.errors import ConflictError, InvalidInput


def _volume_stats(data: np.ndarray) -> dict:
    sample = data[:, ::4, ::4] if data.size > 4_000_000 else data
    p0_5, p1, p99, p99_5 = np.percentile(sample, [0.5, 1, 99, 99.5])
    return {
        "min": float(data.min()),
        "max": float(data.max()),
        "mean": float(sample.mean()),
        "p0_5": float(p0_5),
        "p1": float(p1),
        "p99": float(p99),
        "p99_5": float(p99_5),
    }


_local = threading.local()


@contextmanager
def atomic_with_file_cleanup() -> Iterator[None]:
    """``transaction.atomic`` that also deletes the files saved inside it if it fails.

    Nested uses join the outermost block, which owns the cleanup, so an import that stores
    several volumes leaves no file behind when any one of them is refused.
    """
    if getattr(_local, "files", None) is not None:
        with transaction.atomic():
            yield
        return
    _local.files = []
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for name in _local.files:
            if default_storage.exists(name):
                default_storage.delete(name)
        raise
    finally:
        _local.files = None


def _save_array(specimen: Specimen, data: np.ndarray) -> str:
    # Streamed from the array itself: an in-memory .npy would double the volume's memory.
    stream = NpyBytes(np.asarray(data, dtype=np.float32))
    name = f"volumes/{specimen.project_id}/{specimen.pk}/{uuid.uuid4().hex}.npy"
    saved = default_storage.save(name, File(stream, name=name))
    if getattr(_local, "files", None) is not None:
        _local.files.append(saved)
    return saved


def volume_create(
    *,
    specimen: Specimen,
    data: np.ndarray,
    modality: str,
    channel: str = "",
    time_index: int = 0,
    voxel_size: tuple[float, float, float] | None = None,
    source_file: SourceFile | None = None,
    units: str | None = None,
    channel_names: list[str] | None = None,
    imaged_sections: tuple[int, int] | None = None,
) -> Volume:
    """Store ``data`` (z, y, x) as a volume of ``specimen`` and cut it into z-sections.

    ``imaged_sections`` (first, last) of a stain resampled onto a taller tomogram: only those
    sections hold the stain and pair with the label-free sections (docs/imports.md).

    A multi-channel label-free image (``channel_names`` of two or more, e.g. bright-field +
    phase) is ``data`` (z, c, y, x), stored as it is: each section keeps all its channels.
    """
    if modality not in Modality.values:
        raise InvalidInput(
            f"Unknown modality “{modality}”; choose one of {', '.join(Modality.values)}."
        )
    names = channel_names_check(channel_names, modality=modality)
    if data.ndim == 2:
        data = data[np.newaxis]
    if data.ndim != (4 if names else 3):
        raise InvalidInput(
            f"A volume must be 2D or 3D (z, y, x){' with channels (z, c, y, x)' if names else ''}"
            f"; this array has {data.ndim} dimensions."
        )
    if names and data.shape[1] != len(names):
        raise InvalidInput(
            f"The image has {data.shape[1]} channels but {len(names)} names were given."
        )
    if not np.isfinite(data).all():
        raise InvalidInput(
            "The image contains NaN or infinite values; it cannot be displayed or trained on."
        )
    data = np.asarray(data, dtype=np.float32)
    is_label_free = modality in LABEL_FREE_MODALITIES
    if Volume.objects.filter(
        specimen=specimen, modality=modality, channel=channel, time_index=time_index
    ).exists():
        label = f"{modality}{' ' + channel if channel else ''}"
        raise ConflictError(
            f"Specimen “{specimen.name}” already has a {label} volume at time point {time_index}.",
            code="volume_exists",
        )
    zyx = (data.shape[0], data.shape[-2], data.shape[-1])
    project_channels_check(specimen.project_id, modality=modality, names=names)
    partner = _find_partner(specimen, modality=modality, time_index=time_index)
    if partner is not None and partner.shape != zyx:
        mine = "×".join(map(str, zyx))
        theirs = "×".join(map(str, partner.shape))
        kind = "fluorescence stack" if not is_label_free else "label-free stack"
        raise ConflictError(
            f"This {kind} is {mine} (z×y×x) but its partner at time point {time_index} is {theirs}; "
            "a fluorescence stack must match its label-free image section by section.",
            code="partner_shape_mismatch",
        )

    with atomic_with_file_cleanup():
        stored_name = _save_array(specimen, data)
        vz, vy, vx = voxel_size if voxel_size else (None, None, None)
        volume = Volume(
            specimen=specimen,
            source_file=source_file,
            modality=modality,
            channel=channel,
            time_index=time_index,
            size_z=zyx[0],
            size_y=zyx[1],
            size_x=zyx[2],
            voxel_size_z=vz,
            voxel_size_y=vy,
            voxel_size_x=vx,
            units=units or ("ri" if modality == Modality.RI else "intensity"),
            stats=_channel_stats(data, names, _volume_stats)
            | ({"imaged_sections": list(imaged_sections)} if imaged_sections else {}),
            channel_names=names,
        )
        volume.data.name = stored_name
        volume.full_clean(exclude=["data"])
        if not is_label_free and partner is not None:
            volume.paired_with = partner
        volume.save()
        if is_label_free and partner is not None:
            partner.paired_with = volume
            partner.save(update_fields=["paired_with"])
        Section.objects.bulk_create(
            [
                Section(
                    volume=volume,
                    project_id=specimen.project_id,
                    specimen=specimen,
                    z=z,
                    is_label_free=is_label_free,
                    stats=_channel_stats(data[z], names, section_stats),
                )
                for z in range(data.shape[0])
            ]
        )
        if partner is not None:
            _link_sections(volume, partner)
    return volume


def _channel_stats(data: np.ndarray, names: list[str], stats) -> dict:
    """The stats of a single-channel array; of a multi-channel one, those of its first channel
    (what every single-channel reader sees) plus ``channels``, one entry per channel."""
    if not names:
        return stats(data)
    per_channel = [stats(data[..., c, :, :]) for c in range(len(names))]
    return {**per_channel[0], "channels": per_channel}


def _find_partner(specimen: Specimen, *, modality: str, time_index: int) -> Volume | None:
    """A fluorescence volume pairs with the label-free volume of the same specimen and time point."""
    if modality in LABEL_FREE_MODALITIES:
        return (
            Volume.objects.filter(
                specimen=specimen, time_index=time_index, modality=Modality.FLUORESCENCE
            )
            .order_by("channel")
            .first()
        )
    return (
        Volume.objects.filter(
            specimen=specimen, time_index=time_index, modality__in=LABEL_FREE_MODALITIES
        )
        .order_by("id")
        .first()
    )


def _link_sections(volume: Volume, partner: Volume) -> None:
    label_free, fluorescence = (volume, partner) if volume.is_label_free else (partner, volume)
    first, last = fluorescence.stats.get("imaged_sections") or (0, fluorescence.size_z - 1)
    fl_by_z = dict(
        Section.objects.filter(volume=fluorescence, z__gte=first, z__lte=last).values_list(
            "z", "id"
        )
    )
    to_update = list(Section.objects.filter(volume=label_free))
    for section in to_update:
        section.fluorescence_id = fl_by_z.get(section.z)
    Section.objects.bulk_update(to_update, ["fluorescence"])


@lru_cache(maxsize=64)
def _open_memmap(path: str, mtime: float) -> np.ndarray:
    return np.load(path, mmap_mode="r")


def volume_array(volume: Volume) -> np.ndarray:
    """The whole volume, memory-mapped read-only."""
    path = default_storage.path(volume.data.name)
    return _open_memmap(path, os.path.getmtime(path))


def first_channel(array: np.ndarray) -> np.ndarray:
    """A (z, y, x) volume as it is; of a multi-channel (z, c, y, x) one, its first channel
    (what intensity measures and the classical baselines read)."""
    return array[:, 0] if array.ndim == 4 else array


def section_array(section: Section, channel: int = 0) -> np.ndarray:
    """One z-section (y, x) as a float32 array (a copy, safe to modify); of a multi-channel
    section, its channel ``channel``."""
    data = volume_array(section.volume)[section.z]
    return np.array(data[channel] if data.ndim == 3 else data, dtype=np.float32)


def section_pixels(section: Section) -> np.ndarray:
    """What a network reads of a section: (y, x), or (c, y, x) for a multi-channel one."""
    data = volume_array(section.volume)[section.z]
    return np.array(data, dtype=np.float32)


def section_channels(section: Section) -> np.ndarray:
    """One z-section with all its channels, (c, y, x) float32 (c = 1 for most images)."""
    data = volume_array(section.volume)[section.z]
    return np.array(data if data.ndim == 3 else data[None], dtype=np.float32)
