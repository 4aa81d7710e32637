"""The held-out nuclei a learning curve scores mAP on.

Where the ground truth stores instance ids (an instance map drawn in the editor, a consensus or
an ``--instances`` import), its nuclei are those ids, so touching nuclei stay apart; they are
resized to the network's input as the masks are (nearest, ``data.resize_masks``). A section
without stored ids gives None, and its nuclei are numbered by connected components of the
resized truth (touching nuclei then count as one), as docs/learning_curve.md says.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from annotations.imaging.label_values import stored_labels
from inference.datasets import SnapshotEntry, entries_target, load_sections
from inference.ml.data import resize_masks

ANY_CLASS = tuple(range(1, 256))


def held_out_instances(
    entries: Sequence[SnapshotEntry], *, input_size: int
) -> list[np.ndarray | None]:
    """Per entry, the target class's stored instance ids at ``input_size`` (int32), or None."""
    target = entries_target(entries)
    if target is None:
        return []

    def decode(data: bytes, shape: tuple[int, int]) -> np.ndarray | None:
        stored = stored_labels(data, ANY_CLASS, (target.value,), shape)
        if not stored.stored_instances:
            return None
        ids = [i for i, value in stored.classes.items() if value == target.value]
        return np.where(np.isin(stored.instances, ids), stored.instances, 0).astype(np.int32)

    _, instances = load_sections(entries, decode)
    return [None if ids is None else _resized(ids, input_size) for ids in instances]


def _resized(ids: np.ndarray, input_size: int) -> np.ndarray:
    tensor = torch.from_numpy(ids.astype(np.float32))[None, None]
    return resize_masks(tensor, input_size)[0, 0].numpy().astype(np.int32)
