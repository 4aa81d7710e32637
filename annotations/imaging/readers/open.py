"""The entry point: inspect a file of any supported format and describe its volumes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from .detect import detect_format
from .frame_interval import file_frame_interval
from .hdf5 import open_hdf5
from .npy import open_npy
from .png import open_png
from .request import ReadRequest, make_request
from .select import handle_nbytes, select_channel, select_time
from .tiff import open_tiff
from .volume import ImageSource, VolumeHandle

# One line per format besides HDF5 (which also tells TCF from generic HDF5).
_OPENERS: dict[str, Callable[[ReadRequest], list[VolumeHandle]]] = {
    "tiff": open_tiff,
    "npy": open_npy,
    "png": open_png,
}


def open_image(
    path: str | Path,
    *,
    modality: str,
    dataset: str | None = None,
    time_index: int | None = None,
    voxel_size: Sequence[float] | None = None,
    channel: str | None = None,
    channel_axis: int | None = None,
    channel_names: Sequence[str] = (),
) -> ImageSource:
    """Inspect an image file and describe its volumes without reading pixel data.

    ``modality`` is one of ``MODALITIES``. ``dataset`` names the array inside a
    generic HDF5 file (TCF files need none). ``time_index`` keeps one time point.
    ``voxel_size`` (z, y, x) in micrometres overrides the file's metadata; a 2D
    image also accepts (y, x). ``channel`` picks one fluorescence channel of a
    multi-channel file (e.g. "CH0"), or names the channel of a single-channel
    fluorescence file (e.g. "DAPI").

    A TCF opened as "ri" yields its RI time points and every fluorescence
    channel; opened as "fluorescence", only the latter. Integer RI data (TCF
    >= 1.3, TomoStudio TIFF exports) is stored as RI x 10000 and loaded as RI.

    A multi-channel label-free image (focal planes, bright-field + phase) yields one label-free
    handle per channel, named by ``channel_names`` (default "channel 1", ...). Its channel axis
    is ``channel_axis`` (0-based, in the stored array), or the C axis of an OME/ImageJ TIFF when
    ``channel_names`` are given; without either, a label-free file with channels is refused.
    A time-lapse's frame interval (ImageJ ``finterval``, OME ``TimeIncrement``, a TCF's
    ``TimeInterval``) is given in minutes.
    Raises ``ImageReadError`` with a message meant for the user.
    """
    request = make_request(
        path, modality, dataset, time_index, voxel_size, channel, channel_axis, channel_names
    )
    fmt = detect_format(request.path)
    if fmt == "hdf5":
        fmt, handles = open_hdf5(request)  # "tcf" or "hdf5", told apart by the file's groups
    else:
        handles = _OPENERS[fmt](request)
    handles = select_time(handles, request)
    handles = select_channel(handles, request)
    return ImageSource(
        path=request.path,
        format=fmt,
        volumes=handles,
        nbytes=sum(handle_nbytes(h) for h in handles),
        frame_interval_min=file_frame_interval(request.path, fmt),
    )


def sha256_file(path: str | Path, chunk: int = 8 * 1024 * 1024) -> str:
    """Hex SHA-256 of a file, read in chunks so large tomograms need little memory."""
    digest = hashlib.sha256()
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    with open(path, "rb") as fh:
        while n := fh.readinto(buffer):
            digest.update(view[:n])
    return digest.hexdigest()
