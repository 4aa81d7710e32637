"""Which format a file is, from its first bytes rather than its name."""

from __future__ import annotations

from pathlib import Path

import h5py

from ..errors import ImageReadError

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_NPY_MAGIC = b"\x93NUMPY"
_TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
_SUPPORTED = "TCF, HDF5 (.h5/.hdf5), TIFF/OME-TIFF, NumPy .npy or PNG"


def format_by_content(path: Path) -> str | None:
    """The file's kind by its first bytes (an HDF5 user block included): hdf5, png, npy, tiff,
    or None. The one reading of a file's kind, for images and masks alike."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(_HDF5_MAGIC):
        return "hdf5"
    if head.startswith(_PNG_MAGIC):
        return "png"
    if head.startswith(_NPY_MAGIC):
        return "npy"
    if head[:4] in _TIFF_MAGICS:
        return "tiff"
    if head and h5py.is_hdf5(str(path)):  # HDF5 with a user block: the signature at 512, ...
        return "hdf5"
    return None


def detect_format(path: Path) -> str:
    if path.stat().st_size == 0:
        raise ImageReadError(f"The file '{path.name}' is empty (0 bytes).")
    found = format_by_content(path)
    if found:
        return found
    suffix = path.suffix.lower()
    hint = (
        f" Although it is named '{suffix}', its content is not a valid {suffix.lstrip('.')} file;"
        " it may be corrupt, incomplete or renamed from another format."
        if suffix
        else ""
    )
    raise ImageReadError(
        f"'{path.name}' is not a supported image file.{hint} Supported formats: {_SUPPORTED}."
    )
