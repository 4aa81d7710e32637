"""The held-out nuclei a learning curve scores mAP on, numbered as an evaluation numbers them.

True nuclei follow the evaluation's rule (``evaluation.labels.truth_labels``): the ground truth's
stored instance ids (an instance map drawn in the editor, a consensus or an ``--instances``
import), so touching nuclei stay apart; a fluorescence mask without ids split by the watershed of
its distance transform at its own resolution. Both are resized to the network's input as the
masks are (nearest, ``data.resize_masks``). A section numbered by connected components otherwise
gives None, and is numbered at the input size (``runner.held_out_scores``), as
docs/learning_curve.md says.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from inference.datasets import SnapshotEntry, entries_target, load_sections
from inference.ml.data import resize_masks
from inference.services.evaluation.labels import COMPONENTS, truth_labels

ANY_CLASS = tuple(range(1, 256))


def held_out_instances(
    entries: Sequence[SnapshotEntry], *, input_size: int, source: str
) -> list[np.ndarray | None]:
    """Per entry, the target class's nuclei at ``input_size`` (int32), or None where they are
    its connected components; ``source``: the ground truth's (``GroundTruthSource``)."""
    target = entries_target(entries)
    if target is None:
        return []

    def decode(data: bytes, shape: tuple[int, int]) -> np.ndarray | None:
        labels = truth_labels(data, source, ANY_CLASS, (target.value,), shape)
        if labels.numbered_by == COMPONENTS:
            return None
        return labels.of_class(target.value).astype(np.int32)

    _, instances = load_sections(entries, decode)
    return [None if ids is None else _resized(ids, input_size) for ids in instances]


def _resized(ids: np.ndarray, input_size: int) -> np.ndarray:
    tensor = torch.from_numpy(ids.astype(np.float32))[None, None]
    return resize_masks(tensor, input_size)[0, 0].numpy().astype(np.int32)
