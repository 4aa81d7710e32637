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

The held-out truths are read when a point is scored, ``TRUTH_CHUNK`` sections at a time, and
dropped once scored: a curve never holds every held-out section's full-resolution truth at once,
so its memory does not grow with the held-out sections (``bench/learning_curve_memory.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch

from inference.datasets import SnapshotEntry, entries_target
from inference.ml.data import resize_images
from inference.services.evaluation.labels import component_labels, stored_truths

# Where a curve scored its mAP, in its config; curves launched before record none: INPUT.
MAP_SCORED_AT = "map_scored_at"
NATIVE = "native"
INPUT = "input"
# Held-out sections whose truths are read (and their sections' pixels, for their shape) at once.
TRUTH_CHUNK = 8


def held_out_truths(entries: Sequence[SnapshotEntry], *, source: str) -> Iterator[np.ndarray]:
    """Per entry, in order, the target class's true nuclei at the section's native resolution,
    read ``TRUTH_CHUNK`` entries at a time as they are consumed; ``source``: the ground truth's
    (``GroundTruthSource``)."""
    target = entries_target(entries)
    if target is None:
        return
    for start in range(0, len(entries), TRUTH_CHUNK):
        chunk = entries[start : start + TRUTH_CHUNK]
        for truth in stored_truths(chunk, source=source, instance_values=(target.value,)):
            yield truth.of_class(target.value)


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
