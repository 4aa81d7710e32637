"""Which label class a segmentation network learns, and ground truth read as class maps.

A stored ground-truth mask is a label image (a binary mask, a class map or an instance map, see
docs/labels.md). Training and evaluation read it as a class map and then take the pixels of the
**target class**: a binary network learns "this class versus everything else". The default
target is the project's nucleus class (the class named "nucleus", else its only instance class,
else its only class), so a one-class project trains exactly as before label sets existed: its
masks decode through the binary codec and the target is value 1.

A section whose ground truth holds classes but not the target (say only cytoplasm was imported
for it) says nothing about the target: it is left out before a job is queued, never taught as
"no nucleus here".
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from annotations.imaging.label_values import stored_label_values
from annotations.imaging.labels import _class_table, decode_class_map, decode_instance_map
from annotations.imaging.masks import _open_png
from annotations.models import GroundTruth, LabelKind, Project

NUCLEUS = "nucleus"


@dataclass(frozen=True)
class ClassTarget:
    """The class a binary network learns (``value``), among the project's class ``labels``."""

    value: int
    name: str
    labels: tuple[int, ...]

    def foreground(self, class_map: np.ndarray) -> np.ndarray:
        """The target's pixels of a class map, as a boolean mask."""
        return class_map == self.value

    def decode(self, data: bytes, shape: tuple[int, int] | None = None) -> np.ndarray:
        """A stored ground-truth mask as the boolean mask of the target class."""
        return self.foreground(ground_truth_class_map(data, self.labels, shape))


def ground_truth_class_map(
    data: bytes, labels: Collection[int], shape: tuple[int, int] | None = None
) -> np.ndarray:
    """A stored mask PNG (binary, class map or instance map) as a uint8 class map.

    ``labels`` are the project's class values; a project whose only class is 1 decodes every
    binary mask exactly as the binary codec does.
    """
    if _class_table(_open_png(data)) is not None:
        return decode_instance_map(data, labels, shape).class_map()
    return decode_class_map(data, labels, shape)


def project_labels(project: Project) -> tuple[int, ...]:
    return tuple(sorted(int(entry["value"]) for entry in project.label_classes))


def default_target_class(classes: Sequence[dict]) -> dict | None:
    """The project's nucleus class: named "nucleus", else its only instance class, else its
    only class; None when the set does not say which (the user then names one)."""
    for entry in classes:
        if entry["name"].casefold() == NUCLEUS:
            return entry
    instances = [entry for entry in classes if entry["kind"] == LabelKind.INSTANCES]
    if len(instances) == 1:
        return instances[0]
    return classes[0] if len(classes) == 1 else None


def _described(classes: Iterable[dict]) -> str:
    return ", ".join(f"{c['name']} (value {c['value']})" for c in classes)


def class_target_problem(project: Project, name: str) -> str | None:
    """Why ``name`` (blank: the default) is not a class this project can train on, or None."""
    try:
        class_target(project, name=name)
    except LookupError as exc:
        return str(exc)
    return None


def class_target(project: Project, *, name: str = "", value: int | None = None) -> ClassTarget:
    """The target called ``name`` (case-insensitive) or with ``value``; blank: the default.

    Raises LookupError with a message naming the project's classes when there is no such class.
    """
    classes = sorted(project.label_classes, key=lambda c: c["value"])
    labels = project_labels(project)
    if value is not None:
        chosen = next((c for c in classes if c["value"] == value), None)
        if chosen is None:
            raise LookupError(
                f"Class value {value} is no longer a class of project “{project.name}”; its "
                f"classes are {_described(classes)}."
            )
    elif name.strip():
        wanted = name.strip().casefold()
        chosen = next((c for c in classes if c["name"].casefold() == wanted), None)
        if chosen is None:
            raise LookupError(
                f"Project “{project.name}” has no class “{name.strip()}”; its classes are "
                f"{_described(classes)}."
            )
    else:
        chosen = default_target_class(classes)
        if chosen is None:
            raise LookupError(
                f"Project “{project.name}” has no nucleus class and several classes; choose the "
                f"class to train on: {_described(classes)}."
            )
    return ClassTarget(value=int(chosen["value"]), name=str(chosen["name"]), labels=labels)


def ground_truth_without_target(ground_truth_ids: Iterable[int], value: int) -> set[int]:
    """The ground truths that hold some class but not class ``value`` (an empty one says the
    section holds nothing, the target included, so it stays)."""
    rows = GroundTruth.objects.filter(pk__in=list(ground_truth_ids))
    lacking = set()
    for pk, mask in rows.values_list("pk", "mask_png").iterator(chunk_size=500):
        present = stored_label_values(bytes(mask))
        if present and value not in present:
            lacking.add(pk)
    return lacking


def without_target_counts(sections: int, without_target: int, target: ClassTarget) -> dict:
    """The ``current`` of a ``no_target_class`` refusal: how many sections were asked for, how
    many hold other classes only, and the target's name."""
    return {"sections": sections, "without_target": without_target, "target": target.name}
