"""A multi-channel label-free image: the reader's one handle per channel, stored as one volume.

The readers hand back each channel of a label-free image (focal planes, bright-field + phase)
as a label-free handle of its own, named after its channel; an import stores the channels of one
time point together, as one volume of (z, c, y, x) (``volumes.volume_create``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from annotations.imaging.readers import LABEL_FREE_MODALITIES, VolumeHandle
from annotations.services.volumes import channel_names_check, project_channels_check


def channel_groups(handles: list[VolumeHandle]) -> list[list[VolumeHandle]]:
    """``handles`` in order, the label-free channels of one time point gathered into one group."""
    groups: list[list[VolumeHandle]] = []
    by_time: dict[int, list[VolumeHandle]] = {}
    for handle in handles:
        if handle.kind == "label_free" and handle.channel:
            if handle.time_index in by_time:
                by_time[handle.time_index].append(handle)
                continue
            by_time[handle.time_index] = [handle]
            groups.append(by_time[handle.time_index])
        else:
            groups.append([handle])
    return groups


def stack_channels(volumes: list[np.ndarray]) -> np.ndarray:
    """One (z, y, x) volume as it is; several as (z, c, y, x)."""
    return volumes[0] if len(volumes) == 1 else np.stack(volumes, axis=1)


def parse_channel_names(text: str | Sequence[str] | None) -> list[str]:
    """“bf,phase” (or a list) as channel names; [] for none."""
    if not text:
        return []
    parts = text.split(",") if isinstance(text, str) else list(text)
    return [p.strip() for p in parts]


def planned_channels_check(*, project, modality: str, handles: list[VolumeHandle]) -> None:
    """Refuse, from the file's header, label-free channels other than the project's (409)."""
    names = [h.channel for h in handles if h.kind == "label_free"]
    if not names or modality not in LABEL_FREE_MODALITIES:
        return
    times = {h.time_index for h in handles if h.kind == "label_free"}
    per_time = names[: len(names) // len(times)]
    project_channels_check(project.pk, modality=modality, names=channel_names_check(per_time))
