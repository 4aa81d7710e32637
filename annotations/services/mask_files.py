"""Reading a mask stack from a file as other tools write it (.npy, TIFF, HDF5, PNG), and the
label-free volume it belongs to: shared by ``manage.py import_masks`` and the import API."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import tifffile
from PIL import Image

from annotations.imaging.colour import colour_axis
from annotations.imaging.colour_masks import mask_from_colour
from annotations.imaging.errors import MaskError
from annotations.imaging.readers.detect import format_by_content
from annotations.models import LABEL_FREE_MODALITIES, Specimen, Volume
from cellweb.errors import InvalidInput

_RAW_PNG_MODES = ("1", "L", "I", "I;16", "I;16B", "I;16L")


def _hdf5_dataset(path: Path, name: str, dataset: str | None) -> np.ndarray:
    with h5py.File(path, "r") as f:
        if not dataset:
            names: list[str] = []
            f.visititems(
                lambda n, o: names.append("/" + n) if isinstance(o, h5py.Dataset) else None
            )
            raise InvalidInput(
                f"{name} is an HDF5 file: say which dataset holds the masks (import_masks "
                f"--dataset, or the field dataset of the upload; it has: "
                f"{', '.join(names[:20]) or 'no datasets'})."
            )
        obj = f.get(dataset)
        if isinstance(obj, h5py.Group):
            raise InvalidInput(
                f"'{dataset}' in {name} is a group, not a dataset; name one of its datasets."
            )
        if not isinstance(obj, h5py.Dataset):
            raise InvalidInput(f"Dataset '{dataset}' does not exist in {name}.")
        return obj[()]


def _instance_png(image: Image.Image, name: str) -> np.ndarray:
    """The ids of an instance label PNG that is neither plain grey nor RGB(A): an indexed PNG's
    palette indices (Fiji's label LUTs), a grey one's grey channel; any other mode is refused,
    since its colours cannot be read back as ids (two nuclei of similar colour would merge)."""
    if image.mode == "P":
        return np.asarray(image)
    if image.mode == "LA":
        return np.asarray(image.getchannel("L"))
    raise InvalidInput(
        f"{name} is a colour PNG (mode {image.mode}); an instance label image holds one number "
        "per nucleus in a grey or indexed image, and colours cannot be read back as those "
        "numbers. Export the labels as a 16-bit grey PNG or TIFF (in Fiji: Image > Type > "
        "16-bit)."
    )


def _npy(path: Path, name: str) -> np.ndarray:
    """A .npy array; one holding Python objects (Cellpose's ``_seg.npy``, a pickled dict) is
    refused unread, since unpickling an uploaded file could run code."""
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "allow_pickle" not in str(exc):
            raise
        raise InvalidInput(
            f"{name} holds Python objects, not an array (a Cellpose _seg.npy is a saved "
            "dictionary); such files are not opened, as they can run code. Save the masks as a "
            "16-bit label TIFF or PNG (Cellpose: File > Save masks as PNG/tif) and import that."
        ) from exc


def _tiff_mask(path: Path, name: str, instances: bool, one_object: bool) -> np.ndarray:
    """A TIFF's first series; its colour samples, where it has them, read as a mask by the
    rule the volume readers share (``imaging/colour.py``): interleaved colour is one section,
    never 3 or 4 z; separate planes are planes."""
    with tifffile.TiffFile(path) as tif:
        series = tif.series[0]
        stack, axes = series.asarray(), series.axes
    if stack.size == 0:  # tifffile reads a damaged TIFF as an empty array
        raise InvalidInput(
            f"{name} could not be read as a mask stack: the TIFF holds no image data "
            "(damaged or incomplete?)."
        )
    axis = colour_axis(axes, stack.shape)
    if axis is None:
        return stack
    what = f"{name} is a colour TIFF ({'RGBA' if stack.shape[axis] == 4 else 'RGB'})"
    return mask_from_colour(
        np.moveaxis(stack, axis, -1), instances=instances, what=what, one_object=one_object
    )


def read_mask_stack(
    path: Path,
    dataset: str | None,
    name: str | None = None,
    *,
    instances: bool = False,
    one_object: bool = False,
) -> np.ndarray:
    """A mask array from .npy, TIFF, HDF5 (with ``dataset``) or PNG, read as stored (bool kept,
    16-bit label PNGs not squeezed to 8 bits). ``name`` is the file's name in messages. With
    ``instances`` a PNG's pixel values are ids: an indexed PNG gives its palette indices. A
    colour TIFF or PNG (RGB, RGBA) is one section, read by ``imaging/colour_masks.py``: grey
    where its planes are equal, a colour-coded label image decoded colour by colour, else refused
    (converted to grey, nuclei of similar colour would merge). ``one_object``: the file is one
    nucleus of a folder of one file per nucleus (its refusals say so)."""
    name = name or path.name
    if not path.is_file():
        raise InvalidInput(f"The file '{path}' does not exist.")
    return without_sample_axis(_read(path, dataset, name, instances, one_object))


def without_sample_axis(stack: np.ndarray) -> np.ndarray:
    """A stack saved with a trailing axis of one sample per pixel, (y, x, 1) or (z, y, x, 1) as
    NumPy, Keras or tifffile write a grey image, without that axis: one section, as the image
    readers take it, never x = 1."""
    while stack.ndim > 2 and stack.shape[-1] == 1:
        stack = stack[..., 0]
    return stack


def _read(path: Path, dataset, name: str, instances: bool, one_object: bool) -> np.ndarray:
    kind = format_by_content(path)
    try:
        if kind == "npy":
            return _npy(path, name)
        if kind == "tiff":
            return _tiff_mask(path, name, instances, one_object)
        if kind == "png":
            with Image.open(path) as image:
                if image.mode in _RAW_PNG_MODES:  # labels as stored (16-bit ones included)
                    return np.asarray(image)
                if image.mode in ("RGB", "RGBA"):
                    what = f"{name} is a colour PNG (mode {image.mode})"
                    return mask_from_colour(
                        np.asarray(image), instances=instances, what=what, one_object=one_object
                    )
                if instances:
                    return _instance_png(image, name)
                return np.asarray(image.convert("L"))
        if kind == "hdf5":
            return _hdf5_dataset(path, name, dataset)
    except InvalidInput:
        raise
    except MaskError as exc:
        raise InvalidInput(exc.message) from exc
    except Exception as exc:
        raise InvalidInput(f"{name} could not be read as a mask stack ({exc}).") from exc
    raise InvalidInput(f"{name} is not a .npy, TIFF, HDF5 or PNG file.")


def label_free_volume(specimen: Specimen, time_index: int) -> Volume:
    """The specimen's label-free volume at ``time_index`` (ground truth belongs to it)."""
    volume = (
        Volume.objects.filter(
            specimen=specimen, time_index=time_index, modality__in=LABEL_FREE_MODALITIES
        )
        .order_by("id")
        .first()
    )
    if volume is None:
        raise InvalidInput(
            f"Specimen “{specimen.name}” has no label-free volume at time point {time_index}; "
            "import the image first."
        )
    return volume


def time_point(masks: np.ndarray, time_index: int) -> np.ndarray:
    """A (t, z, y, x) stack's time point ``time_index``; other stacks as they are."""
    if masks.ndim == 4 and masks.shape[0] > time_index:
        return masks[time_index]
    return masks
