"""One network output -> labels: the class map, the instances and the class of each instance.

The output follows a :class:`~inference.ml.heads.HeadLayout`: one sigmoid logit for a binary
mask, or one softmax channel per class (background first); optionally one last instance channel
(the regressed distance map, or the interior/boundary logit). :func:`labels_from_output` turns it
into what the label codecs store (``annotations/imaging/labels.py``):

- the class map: the most probable class per pixel, or for a binary output the class where the
  probability exceeds the threshold;
- the instances of every instance class, numbered class after class: the h-maxima seeded
  watershed of the distance channel (paper 004) or the interiors between predicted boundaries,
  each inside that class's area; without an instance channel, 4-connected components;
- ``classes``: instance id -> class value.

Predictions that average outputs (tiles, flips, resizing) average the activated maps
(:func:`activate`: class probabilities, boundary probability, distance as regressed) and pass
``activated=True``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import torch
from scipy import ndimage as ndi
from torch import Tensor

from .heads import HeadLayout
from .instances import DEFAULT_H, boundary_to_instances, distance_to_instances

__all__ = [
    "MAX_INSTANCES",
    "activate",
    "activate_tensor",
    "channel_values",
    "labels_from_output",
]

MAX_INSTANCES = 65_535  # ids of a 16-bit instance map


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-np.clip(values, -60.0, 60.0)))).astype(np.float32)


def activate(output: np.ndarray, layout: HeadLayout) -> np.ndarray:
    """Logits (C, ...) -> probabilities per class channel (sigmoid for one channel, softmax for
    several), the boundary channel through a sigmoid; a distance channel is kept as regressed."""
    output = np.asarray(output, dtype=np.float32)
    _check_channels(output, layout)
    result = np.empty_like(output)
    logits = output[: layout.n_classes]
    if layout.n_classes == 1:
        result[0] = _sigmoid(logits[0])
    else:
        shifted = np.exp(logits - logits.max(axis=0, keepdims=True))
        result[: layout.n_classes] = shifted / shifted.sum(axis=0, keepdims=True)
    if layout.instance == "boundary":
        result[-1] = _sigmoid(output[-1])
    elif layout.instance == "distance":
        result[-1] = output[-1]
    return result


def activate_tensor(output: Tensor, layout: HeadLayout) -> Tensor:
    """:func:`activate` of a batch of logits (B, C, H, W), in torch (prediction batches)."""
    probabilities = layout.class_probabilities(output)
    if layout.instance is None:
        return probabilities
    instance = output[:, layout.n_classes :].float()
    if layout.instance == "boundary":
        instance = torch.sigmoid(instance)
    return torch.cat([probabilities, instance], dim=1)


def _check_channels(output: np.ndarray, layout: HeadLayout) -> None:
    if output.ndim < 3 or output.shape[0] != layout.channels:
        raise ValueError(
            f"expected ({layout.channels}, H, W) outputs for {layout}, got {tuple(output.shape)}"
        )


def channel_values(layout: HeadLayout, class_values: Sequence[int]) -> list[int]:
    """The class value of each class channel, background (channel 0 of a softmax) included.

    ``class_values`` lists the classes the network outputs in channel order, without background
    (a model version's ``classes``); a leading 0 for background is accepted too.
    """
    values = [int(v) for v in class_values]
    if layout.n_classes == 1:
        if len(values) != 1 or not 1 <= values[0] <= 255:
            raise ValueError(f"a binary output needs one class value (1-255), got {values}")
        return values
    if values and values[0] == 0:
        values = values[1:]
    if len(values) != layout.n_classes - 1:
        raise ValueError(
            f"a softmax output of {layout.n_classes} channels needs {layout.n_classes - 1} class "
            f"values after background, got {values}"
        )
    if len(set(values)) != len(values) or not all(1 <= v <= 255 for v in values):
        raise ValueError(f"class values must be distinct and in 1-255, got {values}")
    return [0, *values]


def _class_map(probabilities: np.ndarray, values: list[int], threshold: float) -> np.ndarray:
    if len(values) == 1:
        return np.where(probabilities[0] > threshold, values[0], 0).astype(np.uint8)
    lookup = np.asarray(values, dtype=np.uint8)
    return lookup[probabilities.argmax(axis=0)]


def _objects(
    area: np.ndarray, instance: np.ndarray | None, layout: HeadLayout, h: float
) -> np.ndarray:
    if instance is None:
        return ndi.label(area)[0]
    if layout.instance == "distance":
        return distance_to_instances(instance, area, h=h)
    return boundary_to_instances(instance, area)


def labels_from_output(
    output: np.ndarray,
    layout: HeadLayout,
    class_values: Sequence[int],
    instance_values: Collection[int],
    threshold: float = 0.5,
    *,
    activated: bool = False,
    h: float = DEFAULT_H,
) -> tuple[np.ndarray, np.ndarray, dict[int, int]]:
    """``(class_map uint8, instances uint16, {instance id: class value})`` of one output (C, H, W).

    ``class_values``: the value of each class channel (see :func:`channel_values`);
    ``instance_values``: which of them are instance classes (others get no ids). ``threshold``
    decides a binary output's foreground; ``h`` the depth a distance peak needs to seed its own
    nucleus. With ``activated`` the output already holds :func:`activate`'s maps.
    """
    output = np.asarray(output, dtype=np.float32)
    probabilities = output if activated else activate(output, layout)
    _check_channels(probabilities, layout)
    values = channel_values(layout, class_values)
    class_map = _class_map(probabilities[: layout.n_classes], values, threshold)
    instance = probabilities[-1] if layout.instance else None
    instances = np.zeros(class_map.shape, dtype=np.uint16)
    classes: dict[int, int] = {}
    wanted = {int(v) for v in instance_values}
    for value in (v for v in values if v and v in wanted):
        area = class_map == value
        if not area.any():
            continue
        numbered = _objects(area, instance, layout, h)
        count = int(numbered.max())
        first = len(classes) + 1
        if first + count - 1 > MAX_INSTANCES:
            raise ValueError(f"the output holds more than {MAX_INSTANCES:,} objects")
        inside = numbered > 0
        instances[inside] = (numbered[inside] + (first - 1)).astype(np.uint16)
        classes.update({first + i: value for i in range(count)})
    return class_map, instances, classes
