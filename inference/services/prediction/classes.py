"""Prediction with a version of several classes or an instance output (docs/labels.md): every
channel predicted (tiled where the field is large), each section turned into its class map and
instances by ``label_output.labels_from_output``, and the volume's nuclei numbered
(``ml/predict_labels.py``). A binary version never comes here: its output is unchanged."""

from __future__ import annotations

from typing import Any

import numpy as np

from annotations.models import Volume
from inference.ml.heads import HeadLayout
from inference.ml.predict_labels import section_labels, volume_labels
from inference.output_classes import version_instance_values
from inference.services.prediction.chunks import ChunkedPrediction

__all__ = ["segment_classes", "tracked_classes"]


def segment_classes(
    run: ChunkedPrediction,
    volume: Volume,
    array,
    *,
    outputs: tuple[HeadLayout, list[dict[str, Any]]],
) -> tuple[np.ndarray, np.ndarray]:
    """(class map (z, y, x) uint8, instances (z, y, x) int32) of one volume, chunk by chunk."""
    layout, classes = outputs
    values = [int(c["value"]) for c in classes]
    instance_values = version_instance_values(classes)
    sections = []
    for _, _, maps in run.chunks(volume, array, layout=layout):
        sections += section_labels(maps, layout, values, instance_values, run.options)
    class_map, instances, _ = volume_labels(
        sections, instance_values, run.options, spacing=volume.voxel_size
    )
    return class_map, instances


def tracked_classes(tracked: np.ndarray, class_map: np.ndarray) -> dict[str, int]:
    """The class value of each tracked nucleus id (JSON keys are strings)."""
    inside = tracked > 0
    pairs = np.unique(np.stack([tracked[inside], class_map[inside].astype(tracked.dtype)]), axis=1)
    # Every nucleus lies inside one class: it was numbered inside that class's area.
    return {str(int(nucleus)): int(value) for nucleus, value in pairs.T}
