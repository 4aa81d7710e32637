"""A multi-channel label-free image: the reader's one handle per channel, stored as one volume.

The readers hand back each channel of a label-free image (focal planes, bright-field + phase)
as a label-free handle of its own, named after its channel; an import stores the channels of one
time point together, as one volume of (z, c, y, x) (``volumes.volume_create``).
"""

from __future__ import annotations

import numpy as np

from annotations.imaging.readers import VolumeHandle


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
