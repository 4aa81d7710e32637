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


def detect_format(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head:
        raise ImageReadError(f"The file '{path.name}' is empty (0 bytes).")
    if head.startswith(_HDF5_MAGIC):
        return "hdf5"
    if head.startswith(_PNG_MAGIC):
        return "png"
    if head.startswith(_NPY_MAGIC):
        return "npy"
    if head[:4] in _TIFF_MAGICS:
        return "tiff"
    if h5py.is_hdf5(str(path)):  # HDF5 with a user block: the signature sits at 512, 1024, ...
        return "hdf5"
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
