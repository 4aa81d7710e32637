"""Checks of whole mask stacks (z, y, x) that arrive from other tools, before anything is stored.

Two readings of an array, and nothing in between:

- a **binary mask** holds only 0 and 1 (or 0 and 255, or bool): one class, "nucleus". Any other
  value is refused, naming the values found with their pixel counts, so a multi-label or
  instance map is never silently merged into "nucleus";
- an **instance label image** (Fiji, napari, QuPath): 0 is background and each positive value is
  one nucleus, in every section it reaches. Its foreground is the nucleus mask; the instances are
  counted per section and over the stack. At most 65,535 instances (a 16-bit label image), no
  negative values, no fractions.

Pure numpy; the import service turns :class:`MaskError` into a 400 / a command error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import MaskError
from .labels import MAX_INSTANCES
from .masks import format_value as _number
from .masks import values_found

__all__ = [
    "BINARY_VALUE_SETS",
    "InstanceCounts",
    "binary_stack",
    "class_map_stack",
    "instance_stack",
    "is_binary_stack",
]

BINARY_VALUE_SETS = ({0, 1}, {0, 255})


@dataclass(frozen=True)
class InstanceCounts:
    """Instances of an instance label stack: distinct positive values per section and overall."""

    per_section: tuple[int, ...]
    total: int


def binary_stack(array: np.ndarray) -> np.ndarray:
    """The bool (z, y, x) stack of a binary mask; refuse every other value set by name."""
    data = _stack(array)
    if data.dtype == np.bool_:
        return data
    if data.dtype.kind == "f" and not np.array_equal(data, np.round(data)):
        raise MaskError(
            "The mask holds fractional values (a probability map?); ground truth must be binary "
            "(0/1 or 0/255), or an instance label image imported as instances."
        )
    values, counts = _value_counts(data)
    present = {float(v) for v in values}
    if not any(present <= allowed for allowed in BINARY_VALUE_SETS):
        raise MaskError(
            f"The mask holds {len(values):,} distinct value{'s' if len(values) != 1 else ''}: {values_found(values, counts)}. "
            "A binary nucleus mask holds only 0 and 1 (or 0 and 255), one class, so this mask "
            "was not imported: its values would all have become “nucleus”. If each positive "
            "value is one nucleus (an instance label image from Fiji, napari or QuPath), import "
            "it as instances (import_masks --instances)."
        )
    return data != 0


def instance_stack(array: np.ndarray) -> tuple[np.ndarray, InstanceCounts]:
    """The bool foreground of an instance label stack and its instance counts; refuse bad maps."""
    data = _stack(array)
    if data.dtype == np.bool_:
        data = data.view(np.uint8)
    if data.dtype.kind == "f" and not np.array_equal(data, np.round(data)):
        fractional = data[data != np.round(data)]
        raise MaskError(
            "An instance label image holds whole numbers (one per nucleus); this one holds "
            f"fractional values such as {_number(fractional.flat[0])}. Export the labels as an "
            "integer image."
        )
    if data.min() < 0:
        raise MaskError(
            "An instance label image holds 0 for background and positive numbers for nuclei; "
            f"this one holds negative values (lowest {_number(data.min())})."
        )
    ids = _positive_ids(data)
    if len(ids) > MAX_INSTANCES:
        raise MaskError(
            f"The instance label image holds {len(ids):,} instances; a 16-bit label image holds "
            f"at most {MAX_INSTANCES:,}. Split the stack or merge instances before importing."
        )
    per_section = tuple(len(_positive_ids(section)) for section in data)
    return data != 0, InstanceCounts(per_section=per_section, total=len(ids))


def is_binary_stack(array: np.ndarray) -> bool:
    """Whether the stack holds only 0 and 1, or only 0 and 255 (or is boolean)."""
    data = _stack(array)
    if data.dtype == np.bool_:
        return True
    present = {float(v) for v in _value_counts(data)[0]}
    return any(present <= allowed for allowed in BINARY_VALUE_SETS)


def class_map_stack(array: np.ndarray, names: dict[int, str]) -> np.ndarray:
    """The uint8 (z, y, x) class map of a stack whose values are 0 or the class values in
    ``names`` ({value: name}); any other value is refused, naming it with its pixel count."""
    data = _stack(array)
    if data.dtype == np.bool_:
        data = data.view(np.uint8)
    if data.dtype.kind == "f" and not np.array_equal(data, np.round(data)):
        raise MaskError(
            "A class map holds whole numbers (one per class); this one holds fractional values "
            "(a probability map?)."
        )
    values, counts = _value_counts(data)
    unknown = [
        (v, c) for v, c in zip(values.tolist(), counts.tolist()) if v != 0 and v not in names
    ]
    if unknown:
        found = ", ".join(f"{_number(v)} ({c:,} pixels)" for v, c in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        classes = ", ".join(f"{value} {name}" for value, name in sorted(names.items()))
        raise MaskError(
            f"The class map holds label value(s) that are not classes of this project: "
            f"{found}{more}. Its classes are {classes} (0 is background). Add the missing "
            "classes first, or import each class's binary mask with --class."
        )
    return data.astype(np.uint8)


def _stack(array: np.ndarray) -> np.ndarray:
    data = np.asarray(array)
    if data.ndim == 2:
        data = data[np.newaxis]
    if data.ndim != 3 or data.size == 0:
        raise MaskError(
            f"A mask stack must be a non-empty 2D or 3D (z, y, x) array; this one has shape "
            f"{data.shape}."
        )
    if data.dtype != np.bool_ and data.dtype.kind not in "uif":
        raise MaskError(f"A mask must hold numbers, not values of type {data.dtype}.")
    if data.dtype.kind == "f" and not np.isfinite(data).all():
        raise MaskError("The mask contains NaN or infinite values.")
    return data


def _value_counts(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if data.dtype in (np.uint8, np.uint16):  # a bincount beats sorting millions of pixels
        counts = np.bincount(data.ravel())
        values = np.flatnonzero(counts)
        return values, counts[values]
    return np.unique(data, return_counts=True)


def _positive_ids(data: np.ndarray) -> np.ndarray:
    labelled = data[data != 0]
    if data.dtype in (np.uint8, np.uint16):
        return np.flatnonzero(np.bincount(labelled, minlength=1))
    return np.unique(labelled)
