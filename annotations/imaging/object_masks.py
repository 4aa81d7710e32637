"""One mask per nucleus merged into one instance label image.

Expert masks of crowded nuclei often come as one binary image per nucleus (the 2018 Data Science
Bowl and BBBC038 sets: a ``masks/`` folder beside each image), so that touching nuclei stay
apart. Merged, each file becomes one id, in the order of the file names (natural order:
``mask2`` before ``mask10``). Files are expected not to overlap; where two do, the pixel goes to
the smaller nucleus, so a small nucleus lying on a large one is not swallowed by it, and the
number of such pixels is reported. A file with no foreground is skipped and named.

Each nucleus is kept as the flat indices of its pixels while the files are read, so a field of a
thousand nuclei costs their pixels, not a thousand full images.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from .errors import MaskError
from .labels import MAX_INSTANCES


@dataclass
class MergedObjects:
    labels: np.ndarray  # uint16 ids 1..n, one per non-empty file, in name order
    names: list[str] = field(default_factory=list)  # the file behind each id (id k: names[k-1])
    empty: list[str] = field(default_factory=list)  # files with no foreground, skipped
    overlap_pixels: int = 0  # pixels two or more files claim; each went to the smallest
    lost: list[str] = field(default_factory=list)  # files whose every pixel a smaller one took

    @property
    def objects(self) -> int:
        return len(self.names) - len(self.lost)


def natural_key(name: str) -> list:
    """``mask2`` before ``mask10``: digit runs compare as numbers."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def _foreground(name: str, mask: np.ndarray) -> np.ndarray:
    """The flat indices of one file's nucleus; refuse a file that is not one binary mask."""
    data = np.asarray(mask)
    if data.dtype == np.bool_:
        return np.flatnonzero(data)
    if data.dtype.kind not in "uif":
        raise MaskError(f"{name} holds {data.dtype} values, not a mask.")
    positive = np.unique(data[data != 0])
    if positive.size > 1 or (positive.size == 1 and positive[0] < 0):
        shown = ", ".join(f"{v:g}" for v in positive[:4])
        raise MaskError(
            f"{name} holds several values ({shown}{', …' if positive.size > 4 else ''}); one "
            "file is one nucleus, as a binary mask (0 background, one value for the nucleus)."
        )
    return np.flatnonzero(data)


def _size(shape: tuple[int, ...]) -> str:
    """``shape`` (height, width, …) as the messages give sizes: width × height."""
    return "×".join(map(str, (shape[1], shape[0], *shape[2:]))) if len(shape) > 1 else str(shape)


def _one_size(shapes: dict[str, tuple[int, ...]]) -> tuple[int, ...]:
    """The size every file has; where they differ, refuse naming the files whose size is not
    the one most of them have (one mask a pixel off among hundreds is named, not the others)."""
    counts = Counter(shapes.values())
    shape = counts.most_common(1)[0][0]
    if len(counts) == 1:
        return shape
    odd = [f"{name} is {_size(other)}" for name, other in shapes.items() if other != shape]
    shown = "; ".join(odd[:5]) + (f"; and {len(odd) - 5} more" if len(odd) > 5 else "")
    raise MaskError(
        f"{len(odd)} of {len(shapes)} mask files are not {_size(shape)} pixels (width × height) "
        f"as the others are: {shown}. The masks of one image have its size."
    )


def merge_object_masks(masks: Iterable[tuple[str, np.ndarray]]) -> MergedObjects:
    """Merge (name, mask) pairs, one nucleus per mask, into one instance label image."""
    shapes: dict[str, tuple[int, ...]] = {}
    pixels: list[np.ndarray] = []
    names: list[str] = []
    empty: list[str] = []
    for name, mask in sorted(masks, key=lambda item: natural_key(item[0])):
        array = np.asarray(mask)
        shapes[name] = array.shape
        indices = _foreground(name, array)
        if indices.size == 0:
            empty.append(name)
            continue
        pixels.append(indices)
        names.append(name)
    if not shapes:
        raise MaskError("There are no mask files to merge.")
    shape = _one_size(shapes)
    if len(names) > MAX_INSTANCES:
        raise MaskError(
            f"{len(names):,} nucleus masks; a 16-bit label image holds at most "
            f"{MAX_INSTANCES:,}. Import the field in parts."
        )
    size = int(np.prod(shape))
    claims = np.zeros(size, np.uint16)
    labels = np.zeros(size, np.uint16)
    areas = np.array([p.size for p in pixels])
    # Largest first, so that where two overlap the smaller one is written last and keeps the pixel.
    for index in np.argsort(-areas, kind="stable"):
        claims[pixels[index]] += 1
        labels[pixels[index]] = index + 1
    kept = set(np.unique(labels).tolist())
    return MergedObjects(
        labels=labels.reshape(shape),
        names=names,
        empty=empty,
        overlap_pixels=int(np.count_nonzero(claims > 1)),
        lost=[name for k, name in enumerate(names, start=1) if k not in kept],
    )
