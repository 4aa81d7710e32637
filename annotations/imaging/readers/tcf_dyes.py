"""The stain a Tomocube TCF names for each fluorescence channel.

A TCF stores its fluorescence channels as groups ``/Data/3DFL/CH0``, ``CH1``, ... and names the
dye of each in the channel group's ``Name`` attribute (as ``annotations/demo/tcf.py`` writes
it). Where a channel names its dye, the import stores the channel under that name ("Hoechst",
"DAPI"), so a nuclear stain is recognised as one without the user naming it; where the
attribute is absent, empty, no more than the group's own name, too long for a channel name, or
shared by two channels of the file (two volumes could not tell them apart), the channel keeps
its group name, as before (docs/imports.md).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import h5py
import numpy as np

MAX_DYE_CHARS = 32  # Volume.channel's length


def _text(raw: Any) -> str:
    if isinstance(raw, np.ndarray):
        raw = raw.ravel()[0] if raw.size == 1 else None
    if isinstance(raw, bytes | np.bytes_):
        raw = bytes(raw).decode("utf-8", "replace")
    return " ".join(raw.split()) if isinstance(raw, str) else ""


def dye_names(fl: h5py.Group) -> dict[str, str]:
    """{channel group name: the dye its ``Name`` attribute names}, for the channels that name
    one of their own."""
    return usable_dyes(
        {
            name: _text(channel.attrs.get("Name"))
            for name, channel in fl.items()
            if isinstance(channel, h5py.Group)
        }
    )


def usable_dyes(named: dict[str, str]) -> dict[str, str]:
    """{channel: the dye the file names for it}, for the names that can be a stored channel's:
    not empty, not the channel's own name, at most 32 characters, not shared by two channels.
    (A TIFF's channel names too: ``tiff.py``.)"""
    spaced = {name: " ".join(dye.split()) for name, dye in named.items()}
    found = {
        name: dye
        for name, dye in spaced.items()
        if dye and dye.casefold() != name.casefold() and len(dye) <= MAX_DYE_CHARS
    }
    shared = Counter(dye.casefold() for dye in found.values())
    return {name: dye for name, dye in found.items() if shared[dye.casefold()] == 1}
