"""What a fold reads, by size: its sections' native megapixels (reading them and scoring their
nuclei cost by their pixels) and the network inputs of one pass over them (one per section
resized to the input; with native crops, the input-size tiles that cover each section, as
``ml.crops`` draws crops and validation tiles fields)."""

from __future__ import annotations

from collections.abc import Sequence

from annotations.models import Volume
from inference.datasets import SnapshotEntry
from inference.ml.crops import crops_per_section

__all__ = ["fold_inputs", "fold_megapixels"]


def _sizes(entries: Sequence[SnapshotEntry]) -> list[tuple[int, int]]:
    """(height, width) of each entry's section: its volume's."""
    sizes = {
        pk: (y, x)
        for pk, y, x in Volume.objects.filter(pk__in={e.volume_id for e in entries}).values_list(
            "pk", "size_y", "size_x"
        )
    }
    return [sizes.get(e.volume_id, (0, 0)) for e in entries]


def fold_megapixels(entries: Sequence[SnapshotEntry]) -> float:
    """Megapixels of the native sections of ``entries``."""
    return sum(h * w for h, w in _sizes(entries)) / 1e6


def fold_inputs(entries: Sequence[SnapshotEntry], *, input_size: int, native_crops: bool) -> int:
    """Network inputs of ``input_size``² in one pass over ``entries``."""
    if not native_crops:
        return len(entries)
    return sum(crops_per_section(h, w, input_size) for h, w in _sizes(entries) if h and w)
