"""The labels an evaluation compares: the classes it scores, the ground truth's class maps and
instances, and each method's predicted class map and instances.

Object metrics are computed on real instances, and every volume result says where they came
from (``gt_instances``, ``pred_instances``):

- ground truth: the ids stored with the mask (instance maps: drawn with instances, or imported
  with ``--instances``); fluorescence-derived ground truth (a binary stain mask, where touching
  nuclei are one blob) split by a watershed of its distance transform seeded at its h-maxima
  (``objects.label_instances(split_touching=True)``, h = ``WATERSHED_H`` pixels), regions whose
  cut is as wide as the narrower one merged again (an elongated nucleus has no neck); a mask stored
  without ids otherwise (drawn before instances existed) by 4-connected components, since
  nothing else says where one nucleus ends;
- prediction: a version with an instance head gives its instances (``labels_from_output``:
  watershed of the predicted distance or boundary); any other output, and the baselines, by
  4-connected components of the predicted class, or, when the evaluation separates touching
  predicted nuclei (``Evaluation.split_touching``, the default), by the same watershed as the
  fluorescence ground truth, so a perfect binary prediction of a crowded field numbers its
  nuclei as the ground truth does.

Both sides are numbered section by section (2D): objects are matched per section.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from annotations.imaging.label_values import numbered_by_components, stored_labels
from annotations.models import GroundTruthSource, LabelKind
from inference.ml.objects import label_instances
from inference.ml.objects.labels import SPLIT_H

STORED = "stored instance ids"
WATERSHED = "watershed of the distance transform (h-maxima seeds, wide necks merged)"
COMPONENTS = "connected components"
WATERSHED_H = SPLIT_H  # pixels: the dip of the distance ridge that seeds two nuclei
ANY_CLASS = tuple(range(1, 256))  # decodes whatever class values a stored mask holds


def instance_head(kind: str) -> str:
    return f"instance head ({kind})"


@dataclass
class SectionLabels:
    """One section's class map, its instances (ids unique within the section) and their class."""

    class_map: np.ndarray
    instances: np.ndarray
    classes: dict[int, int]
    numbered_by: str

    def of_class(self, value: int) -> np.ndarray:
        ids = [i for i, c in self.classes.items() if c == value]
        return np.where(np.isin(self.instances, ids), self.instances, 0)


def version_layout(config: Mapping[str, Any]) -> tuple[Any, list[dict]] | None:
    """(HeadLayout, classes) a model version's config records (several classes or an instance
    head), or None for a binary version (it outputs its target class only)."""
    from inference.ml.heads import HeadLayout

    layout = (config or {}).get("head_layout")
    if not layout:
        return None
    return HeadLayout(**layout), [dict(c) for c in config.get("classes") or []]


def scored_classes(project_classes: Sequence[dict], version_config, target) -> list[dict]:
    """The classes an evaluation scores ({value, name, kind}, value order): a version's output
    classes when it records them, else its one target class."""
    recorded = version_layout(version_config) if version_config is not None else None
    kinds = {int(c["value"]): c["kind"] for c in project_classes}
    if recorded is not None and recorded[1]:
        chosen = recorded[1]
    else:
        chosen = [{"value": target.value, "name": target.name}]
    return sorted(
        (
            {
                "value": int(c["value"]),
                "name": str(c["name"]),
                "kind": c.get("kind") or kinds.get(int(c["value"]), LabelKind.REGION),
            }
            for c in chosen
        ),
        key=lambda c: c["value"],
    )


def truth_labels(
    data: bytes,
    source: str,
    values: Collection[int],
    instance_values: Collection[int],
    shape: tuple[int, int],
) -> SectionLabels:
    """A stored ground-truth mask as labels, its instances numbered as the module says."""
    stored = stored_labels(data, values, instance_values, shape)
    if stored.stored_instances:
        return SectionLabels(stored.class_map, stored.instances, dict(stored.classes), STORED)
    if source != GroundTruthSource.FLUORESCENCE:
        return SectionLabels(stored.class_map, stored.instances, dict(stored.classes), COMPONENTS)
    return watershed_labels(stored.class_map, instance_values)


def truth_numbering(gt_source: str) -> str:
    """How ground truth from ``gt_source`` numbers its nuclei (``truth_labels``), for the notes
    beside object metrics."""
    if gt_source == GroundTruthSource.FLUORESCENCE:
        return (
            "the fluorescence ground truth is split by the same watershed (a binary stain mask; "
            "ids stored with a corrected mask are kept)"
        )
    source = dict(GroundTruthSource.choices).get(gt_source, gt_source).lower()
    return (
        f"the ground truth ({source}) is not split: it keeps the instance ids stored with it "
        "(connected components where it holds none)"
    )


def stored_truths(
    entries: Sequence[Any], *, source: str, instance_values: Collection[int]
) -> list[SectionLabels]:
    """The ground truth of snapshot ``entries`` (``inference.datasets``) at each section's
    native resolution, numbered by ``truth_labels``; ``source``: the snapshot's."""
    from inference.datasets import load_sections

    def decode(data: bytes, shape: tuple[int, int]) -> SectionLabels:
        return truth_labels(data, source, ANY_CLASS, instance_values, shape)

    return load_sections(entries, decode)[1]


def watershed_labels(class_map: np.ndarray, instance_values: Collection[int]) -> SectionLabels:
    """A class map's instances by the watershed of each instance class's distance transform
    (h-maxima seeds, h = ``WATERSHED_H``, wide necks merged), numbered class after class."""
    instances = np.zeros(class_map.shape, dtype=np.int32)
    classes: dict[int, int] = {}
    for value in sorted(instance_values):
        split = label_instances(class_map == value, split_touching=True, h=WATERSHED_H)
        offset = len(classes)
        instances = np.where(split > 0, split + offset, instances)
        classes.update({offset + i: value for i in range(1, int(split.max()) + 1)})
    return SectionLabels(class_map, instances, classes, WATERSHED)


def component_labels(
    class_map: np.ndarray, instance_values: Collection[int], *, split_touching: bool = False
) -> SectionLabels:
    """A predicted class map's instances by 4-connected components of each instance class, or
    with ``split_touching`` by the ground truth's watershed (``watershed_labels``)."""
    if split_touching:
        return watershed_labels(class_map, instance_values)
    instances, classes = numbered_by_components(class_map, instance_values)
    return SectionLabels(class_map, instances, classes, COMPONENTS)


@dataclass
class Prediction:
    """One method's prediction of one volume: its class map, the class probabilities and the
    instances at the sections with ground truth (``zs`` order)."""

    class_map: np.ndarray  # (Z, H, W) uint8, the whole volume
    scores: dict[int, np.ndarray] = field(default_factory=dict)  # value -> (len(zs), H, W)
    sections: list[SectionLabels] = field(default_factory=list)


def binary_prediction(
    mask: np.ndarray,
    value: int,
    zs: Sequence[int],
    instance_values: Collection[int],
    score: np.ndarray | None = None,
    *,
    split_touching: bool = False,
) -> Prediction:
    """A binary mask of class ``value`` (a binary version or a baseline); ``split_touching``
    separates its touching nuclei as ``component_labels`` says."""
    class_map = np.asarray(mask, dtype=bool).astype(np.uint8) * np.uint8(value)
    scores = {value: score[list(zs)] if score is not None else None}
    sections = [
        component_labels(class_map[z], instance_values, split_touching=split_touching) for z in zs
    ]
    return Prediction(class_map, {k: v for k, v in scores.items() if v is not None}, sections)


def head_section_labels(
    output: np.ndarray,
    layout,
    values: Sequence[int],
    instance_values: Collection[int],
    threshold: float,
    *,
    split_touching: bool,
) -> SectionLabels:
    """One section's labels from the activated output (C, H, W) of a version with several
    classes or an instance head: the head's instances (``labels_from_output``), or without an
    instance head its connected components, separated with ``split_touching``
    (``component_labels``)."""
    from inference.ml.label_output import labels_from_output

    class_map, instances, classes = labels_from_output(
        output, layout, values, instance_values, threshold, activated=True
    )
    if layout.instance is not None:
        return SectionLabels(class_map, instances, dict(classes), instance_head(layout.instance))
    if split_touching:
        return watershed_labels(class_map, instance_values)
    return SectionLabels(class_map, instances, dict(classes), COMPONENTS)


class HeadPredictions:
    """Outputs of a version with several classes or an instance head (``predict_volume`` with
    its layout: every channel, activated), turned into labels section by section
    (``labels_from_output``) as the volume is predicted. Without an instance head its objects
    are connected components, separated with ``split_touching`` (``component_labels``)."""

    def __init__(
        self, layout, classes: list[dict], shape, zs, instance_values, threshold, *, split_touching
    ):
        self.layout = layout
        self.values = [int(c["value"]) for c in classes]
        self.instance_values = [v for v in self.values if v in set(instance_values)]
        self.zs = {z: i for i, z in enumerate(zs)}
        self.threshold = threshold
        self.prediction = Prediction(np.zeros(shape, dtype=np.uint8))
        self.prediction.sections = [None] * len(zs)  # type: ignore[list-item]
        self.prediction.scores = {
            v: np.zeros((len(zs), *shape[1:]), dtype=np.float32) for v in self.values
        }
        self.split_touching = split_touching

    def add(self, start: int, outputs: np.ndarray) -> None:
        """Outputs (n, C, H, W) of sections ``start``..``start + n``."""
        from inference.ml.label_output import channel_values

        channels = channel_values(self.layout, self.values)
        for offset, output in enumerate(outputs):
            z = start + offset
            labels = head_section_labels(
                output,
                self.layout,
                self.values,
                self.instance_values,
                self.threshold,
                # Only the scored sections need their touching nuclei separated.
                split_touching=self.split_touching and z in self.zs,
            )
            self.prediction.class_map[z] = labels.class_map
            if z in self.zs:
                i = self.zs[z]
                for channel, value in enumerate(channels):
                    if value:
                        self.prediction.scores[value][i] = output[channel]
                self.prediction.sections[i] = labels
