"""The channel names a file records, read from its header: a TIFF's (OME ``Channel Name``,
ImageJ's labels) and a generic HDF5 file's image datasets, each a channel named by its dataset.

An import that is told no channels picks them by these names when they say which channel is
label-free and which the stain (``channel_roles``, docs/channels.md).
"""

from __future__ import annotations

from pathlib import Path

import h5py
import tifffile

from .detect import format_by_content
from .hdf5 import image_datasets
from .tiff_channels import recorded_channel_names

__all__ = ["file_channel_names"]


def file_channel_names(path: Path, dataset: str | None) -> tuple[str, ...]:
    """The names of a file's channels, in its order; () when it names none (or fewer than two,
    or cannot be read: the import then says why as before)."""
    try:
        found = format_by_content(path)
        if found == "tiff":
            names = _tiff_channel_names(path)
        elif found == "hdf5" and not dataset:
            with h5py.File(path, "r") as f:
                names = tuple(image_datasets(f))
        else:
            names = ()
    except Exception:  # the import's own reading of the file says what is wrong with it
        return ()
    return names if len(names) > 1 and all(names) else ()


def _tiff_channel_names(path: Path) -> tuple[str, ...]:
    with tifffile.TiffFile(path) as tif:
        if not tif.series:
            return ()
        series = tif.series[0]
        axes, shape = series.axes.upper(), tuple(series.shape)
        recorded = recorded_channel_names(tif)
    if "C" not in axes or shape[axes.index("C")] != len(recorded):
        return ()
    return recorded
