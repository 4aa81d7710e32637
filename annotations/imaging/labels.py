"""Label codecs: class maps as 8-bit label PNGs, instance maps as 16-bit label PNGs.

A **class map** gives every pixel one class value: 0 is background, 1-255 are the values of the
project's classes. It is stored as an 8-bit grey PNG whose pixel values are the class values. A
map that holds no value but 0 and 1 is stored exactly as :func:`encode_mask` stores a binary
nucleus mask (a 1-bit PNG), so the masks of a one-class project keep their bytes.

An **instance map** gives every pixel an instance id: 0 is no instance, 1-65,535 are instances
(one nucleus each). It is stored as a 16-bit grey PNG, and the class of each instance travels in
the same PNG, in a compressed text chunk (``zTXt``, keyword :data:`INSTANCE_CLASSES_KEY`) written
ahead of the pixels. The chunk rather than a second array because then one blob is one valid
mask: the pixels and their classes are written, copied, versioned and checked together and
cannot drift apart, and the table can be read from the PNG header without decoding a pixel
(:func:`read_instance_classes`). Image tools ignore the chunk and see an ordinary label image.
The chunk's text is ``"1:"`` (the format version) followed by two hex digits per instance id
1..max id, the class value of that id (``00`` for ids not in the map).

Every refusal is a :class:`MaskError` whose message can be shown to the user as is.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
from PIL import Image
from skimage.segmentation import relabel_sequential

from .errors import MaskError
from .masks import _open_png, decode_mask, encode_mask
from .png import encode_png

__all__ = [
    "INSTANCE_CLASSES_KEY",
    "MAX_INSTANCES",
    "InstanceMap",
    "decode_class_map",
    "decode_instance_map",
    "encode_class_map",
    "encode_instance_map",
    "instance_classes_from_class_map",
    "read_instance_classes",
]

MAX_INSTANCES = 65_535
INSTANCE_CLASSES_KEY = "cellweb:instance-classes"
_TABLE_VERSION = "1:"
_LABEL_MODES = ("1", "L", "P", "I", "I;16", "I;16B", "I;16L")


@dataclass(frozen=True)
class InstanceMap:
    """Instance ids (uint16, 0 = none) and the class value of every id present."""

    instances: np.ndarray
    classes: dict[int, int]

    def class_map(self) -> np.ndarray:
        """The uint8 class map these instances paint (0 where there is no instance)."""
        table = np.zeros(int(self.instances.max(initial=0)) + 1, dtype=np.uint8)
        for instance, value in self.classes.items():
            table[instance] = value
        return table[self.instances]

    def of_class(self, value: int) -> np.ndarray:
        """The instances of class ``value`` only (others set to 0), ids unchanged."""
        ids = [instance for instance, cls in self.classes.items() if cls == value]
        return np.where(np.isin(self.instances, ids), self.instances, 0).astype(np.uint16)


def encode_class_map(class_map: np.ndarray, labels: Collection[int]) -> bytes:
    """Encode a 2D class map whose values are 0 or one of ``labels`` (the project's classes)."""
    values = _label_array(class_map, "class map")
    present = _positive_values(values)
    _check_known(present, _label_set(labels))
    if set(present) <= {1}:
        return encode_mask(values != 0)  # byte for byte today's binary mask
    return encode_png(values.astype(np.uint8, copy=False))


def decode_class_map(
    data: bytes, labels: Collection[int], shape: tuple[int, int] | None = None
) -> np.ndarray:
    """Decode a class map PNG into uint8 class values, refusing values not in ``labels``.

    A project whose only class is 1 accepts every binary mask :func:`decode_mask` accepts (0/255
    grey, black-and-white palette or RGB, ...). Otherwise the PNG must be 1-bit, 8-bit grey,
    indexed (the palette index is the class value) or 16-bit grey.
    """
    allowed = _label_set(labels)
    image = _open_label_png(data, shape, "class map")
    if image.mode == "1" or allowed == {1}:
        return decode_mask(data, shape).view(np.uint8)
    values = _label_pixels(image, "class map")
    _check_known(_positive_values(values), allowed)
    return values.astype(np.uint8, copy=False)


def encode_instance_map(
    instances: np.ndarray, classes: Mapping[int, int], labels: Collection[int]
) -> bytes:
    """Encode a 2D instance map and the class of each instance (``classes[id]``).

    Every instance present needs a class in ``labels``; entries for ids absent from the map (an
    instance erased entirely) are dropped. Ids above 65,535 are renumbered 1..N in order;
    more than 65,535 instances are refused.
    """
    values = _label_array(instances, "instance map")
    allowed = _label_set(labels)
    ids = _positive_values(values)
    if len(ids) > MAX_INSTANCES:
        raise MaskError(
            f"The instance map holds {len(ids):,} instances; a 16-bit label image holds at most "
            f"{MAX_INSTANCES:,}. Split the field into smaller sections."
        )
    missing = [int(i) for i in ids if int(i) not in classes]
    if missing:
        raise MaskError(f"Instance(s) {_listed(missing)} have no class; give every instance one.")
    wanted = {int(i): int(classes[int(i)]) for i in ids}
    _check_known(set(wanted.values()), allowed)
    if len(ids) and ids[-1] > MAX_INSTANCES:
        # relabel_sequential numbers the ids 1..N in increasing order.
        values = relabel_sequential(values)[0]
        wanted = {rank: wanted[int(i)] for rank, i in enumerate(ids, start=1)}
    table = np.zeros(max(wanted, default=0) + 1, dtype=np.uint8)
    for instance, cls in wanted.items():
        table[instance] = cls
    text = _TABLE_VERSION + table[1:].tobytes().hex()
    return encode_png(values.astype(np.uint16, copy=False), text={INSTANCE_CLASSES_KEY: text})


def decode_instance_map(
    data: bytes,
    labels: Collection[int],
    shape: tuple[int, int] | None = None,
    *,
    default_class: int | None = None,
) -> InstanceMap:
    """Decode an instance map PNG and its class table.

    A label PNG without the table (one made in Fiji or napari) is accepted only with
    ``default_class``: every instance is then of that class.
    """
    allowed = _label_set(labels)
    image = _open_label_png(data, shape, "instance map")
    table = _class_table(image)
    if table is None:
        if default_class is None:
            raise MaskError(
                "The instance map has no class table; choose the class its instances belong to."
            )
        _check_known({int(default_class)}, allowed)
    values = _label_pixels(image, "instance map").astype(np.uint16, copy=False)
    ids = _positive_values(values)
    if table is None:
        classes = {int(i): int(default_class) for i in ids}  # type: ignore[arg-type]
    else:
        known = np.zeros(int(ids[-1]) + 1 if len(ids) else 1, dtype=np.uint8)
        known[: min(len(table), len(known))] = table[: len(known)]
        missing = [int(i) for i in ids if known[i] == 0]
        if missing:
            raise MaskError(f"Instance(s) {_listed(missing)} have no class in the class table.")
        classes = {int(i): int(known[i]) for i in ids}
    _check_known(set(classes.values()), allowed)
    return InstanceMap(instances=values, classes=classes)


def read_instance_classes(data: bytes) -> dict[int, int]:
    """The class table of an instance map PNG, read from its header (no pixel is decoded).

    Lists every id the encoder wrote, i.e. every instance present when the map was encoded.
    """
    table = _class_table(_open_png(data))
    if table is None:
        return {}
    ids = np.flatnonzero(table)
    return {int(i): int(table[i]) for i in ids}


def instance_classes_from_class_map(instances: np.ndarray, class_map: np.ndarray) -> dict[int, int]:
    """The class of every instance, read from the class map under it.

    Refuses an instance that spans two classes or lies partly on background: each pixel has one
    class, so an instance's pixels must all carry its class.
    """
    ids = _label_array(instances, "instance map")
    classes = _label_array(class_map, "class map")
    if ids.shape != classes.shape:
        raise MaskError(
            f"The instance map is {ids.shape[1]}×{ids.shape[0]} pixels but the class map is "
            f"{classes.shape[1]}×{classes.shape[0]}; they must cover the same section."
        )
    inside = ids != 0
    pairs = np.unique(ids[inside].astype(np.int64) * 256 + classes[inside].astype(np.int64))
    owners, values = pairs >> 8, pairs & 0xFF
    spanning = np.unique(owners[1:][owners[1:] == owners[:-1]])
    if spanning.size:
        first = int(spanning[0])
        found = values[owners == first].tolist()
        where = " and ".join("background" if v == 0 else f"class {v}" for v in found)
        raise MaskError(
            f"Instance {first} covers {where}; an instance lies inside one class only "
            f"({spanning.size} instance(s) do not)."
        )
    on_background = owners[values == 0]
    if on_background.size:
        raise MaskError(f"Instance(s) {_listed(on_background.tolist())} lie on background.")
    return {int(i): int(v) for i, v in zip(owners, values)}


def _label_set(labels: Collection[int]) -> set[int]:
    values = {int(v) for v in labels}
    if not values or not all(1 <= v <= 255 for v in values):
        raise ValueError(f"class values are 1-255 and at least one is needed; got {sorted(values)}")
    return values


def _label_array(array: np.ndarray, what: str) -> np.ndarray:
    values = np.asarray(array)
    if values.ndim != 2 or values.size == 0:
        raise MaskError(f"A {what} must be a non-empty 2D image; got shape {values.shape}.")
    if values.dtype == np.bool_:
        return values.view(np.uint8)
    if values.dtype.kind not in "iu":
        raise MaskError(f"A {what} holds whole numbers; got values of type {values.dtype}.")
    if values.dtype.kind == "i" and values.min() < 0:
        raise MaskError(f"A {what} holds no negative values; found {int(values.min())}.")
    return values


def _positive_values(values: np.ndarray) -> np.ndarray:
    """The distinct values above 0, in increasing order (int64)."""
    flat = values.ravel()
    labelled = flat[flat != 0]  # most of a section is background: count only the rest
    if values.dtype.itemsize <= 2:  # a bincount over at most 65,536 bins beats sorting
        return np.flatnonzero(np.bincount(labelled))
    return np.unique(labelled).astype(np.int64)


def _check_known(present: Collection[int], allowed: set[int]) -> None:
    unknown = sorted({int(v) for v in present} - allowed - {0})
    if unknown:
        raise MaskError(
            f"The mask holds label value(s) {_listed(unknown)}, which are not classes of this "
            f"project (its classes are {_listed(sorted(allowed))})."
        )


def _listed(values: list[int], most: int = 10) -> str:
    shown = ", ".join(str(v) for v in values[:most])
    return shown + (f" and {len(values) - most} more" if len(values) > most else "")


def _open_label_png(data: bytes, shape: tuple[int, int] | None, what: str) -> Image.Image:
    image = _open_png(data)  # refuses non-PNGs and decompression bombs from the header
    width, height = image.size
    if shape is not None and (height, width) != tuple(shape):
        raise MaskError(
            f"The {what} is {width}×{height} pixels but the section is {shape[1]}×{shape[0]} "
            "(width × height); draw the mask on the section it belongs to."
        )
    return image


def _label_pixels(image: Image.Image, what: str) -> np.ndarray:
    if image.mode not in _LABEL_MODES:
        raise MaskError(
            f"A {what} must be a grey or indexed PNG whose pixel values are labels; this one is "
            f"in mode '{image.mode}'."
        )
    try:
        image.load()
        values = np.array(image)  # a writeable copy: callers edit decoded masks
    except Exception as exc:
        raise MaskError(f"The {what} is not a readable PNG image ({exc}).") from exc
    if values.dtype == np.bool_:
        return values.view(np.uint8)
    if values.dtype.itemsize > 2 and (values.min() < 0 or values.max() > MAX_INSTANCES):
        raise MaskError(f"The {what} holds values outside 0-{MAX_INSTANCES:,}.")
    return values


def _class_table(image: Image.Image) -> np.ndarray | None:
    """Class value per instance id (index 0 unused), or None when the PNG carries no table."""
    text = image.info.get(INSTANCE_CLASSES_KEY)
    if text is None:
        return None
    if not isinstance(text, str) or not text.startswith(_TABLE_VERSION):
        raise MaskError("The instance map's class table is in an unknown format.")
    try:
        table = bytes.fromhex(text[len(_TABLE_VERSION) :])
    except ValueError as exc:
        raise MaskError("The instance map's class table is damaged.") from exc
    return np.frombuffer(b"\x00" + table, dtype=np.uint8)
