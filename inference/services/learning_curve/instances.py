"""The held-out nuclei a learning curve scores mAP on, numbered as an evaluation numbers them and
on the grid an evaluation numbers them on: each section's native resolution.

True nuclei follow the evaluation's rule (``evaluation.labels.truth_labels``): the ground truth's
stored instance ids (an instance map drawn in the editor, a consensus or an ``--instances``
import), so touching nuclei stay apart; a fluorescence mask without ids split by the watershed of
its distance transform; any other mask without ids by its connected components. Predicted nuclei
come from the network's probability at the input size resized back to the section's own grid, as
``infer.predict_volume`` resizes it for an evaluation, then thresholded and numbered by
``evaluation.labels.component_labels``. So the watershed's neck depth (``WATERSHED_H``) and every
object are measured in native pixels, whatever the curve's input size.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from inference.datasets import SnapshotEntry, entries_target
from inference.ml.data import resize_images
from inference.services.evaluation.labels import component_labels, stored_truths

# Where a curve scored its mAP, in its config; curves launched before record none: INPUT.
MAP_SCORED_AT = "map_scored_at"
NATIVE = "native"
INPUT = "input"


def held_out_truths(entries: Sequence[SnapshotEntry], *, source: str) -> list[np.ndarray]:
    """Per entry, the target class's true nuclei at the section's native resolution;
    ``source``: the ground truth's (``GroundTruthSource``)."""
    target = entries_target(entries)
    if target is None:
        return []
    truths = stored_truths(entries, source=source, instance_values=(target.value,))
    return [truth.of_class(target.value) for truth in truths]


def predicted_nuclei(
    probability: np.ndarray, shape: tuple[int, int], *, threshold: float, split_touching: bool
) -> np.ndarray:
    """A binary network's nuclei on a section's native ``shape``, from its probability at the
    input size (2D): resized back, thresholded, numbered as an evaluation numbers a binary
    prediction (touching ones separated by the ground truth's watershed with ``split_touching``)."""
    at_input = torch.from_numpy(np.ascontiguousarray(probability, dtype=np.float32))[None, None]
    native = resize_images(at_input, tuple(shape))[0, 0].numpy() > threshold
    labels = component_labels(native.astype(np.uint8), (1,), split_touching=split_touching)
    return labels.instances
