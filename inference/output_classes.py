"""Which classes a network with several classes or an instance head outputs, and its targets.

A training job with ``classes`` ("all" or a list of names) learns those classes of the project's
label set with a softmax output, channel k+1 the k-th class in value order (channel 0
background); with ``classes`` blank it learns its one target class as a binary mask, as before.
An ``instance_head`` ("distance" or "boundary") adds the channel that separates touching nuclei
of the instance classes among them.

Targets come from the stored ground truth read by ``stored_labels``: the class map, and the
instances with their stored ids (a mask stored without ids is numbered by 4-connected
components, so touching objects stay one). Classes the network does not output count as
background. The model version records ``head_layout`` and ``classes`` (docs/labels.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotations.imaging.label_values import stored_labels
from annotations.models import LabelKind, Project
from inference.class_target import _described, class_target, project_labels
from inference.ml.heads import HeadLayout

__all__ = [
    "OutputClasses",
    "OutputClassesError",
    "config_output_classes",
    "job_output_classes",
    "output_classes",
    "version_instance_values",
    "version_outputs",
]

ALL = "all"


class OutputClassesError(ValueError):
    """A choice of classes the project cannot serve; ``field`` names the setting at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class OutputClasses:
    """The classes a network outputs ({value, name, kind}, in value order) and its layout."""

    classes: tuple[dict[str, Any], ...]
    layout: HeadLayout
    labels: tuple[int, ...]  # every class value of the project (to decode stored masks)
    project_instance_values: tuple[int, ...]

    @property
    def values(self) -> list[int]:
        return [int(c["value"]) for c in self.classes]

    @property
    def instance_values(self) -> list[int]:
        return [int(c["value"]) for c in self.classes if c["kind"] == LabelKind.INSTANCES]

    def record(self) -> dict[str, Any]:
        """What a model version stores in its config (contracts: head_layout and classes)."""
        return {
            "head_layout": self.layout.to_dict(),
            "classes": [
                {"value": int(c["value"]), "name": str(c["name"]), "kind": str(c["kind"])}
                for c in self.classes
            ],
        }

    def targets(self, data: bytes, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """(channel index per pixel uint8, instance ids uint16) of a stored ground-truth mask:
        0 for background and for classes not output; ids only on the output instance classes."""
        labels = stored_labels(data, self.labels, self.project_instance_values, shape)
        channel = np.zeros(256, dtype=np.uint8)
        if self.layout.n_classes == 1:
            channel[self.values[0]] = 1
        else:
            channel[self.values] = np.arange(1, len(self.values) + 1, dtype=np.uint8)
        wanted = [i for i, v in labels.classes.items() if v in self.instance_values]
        instances = np.where(np.isin(labels.instances, wanted), labels.instances, 0)
        return channel[labels.class_map], instances.astype(np.uint16)


def _chosen(
    project: Project, classes: str | Sequence[str], target_class: str, values: Sequence[int] | None
) -> list[dict]:
    every = sorted(project.label_classes, key=lambda c: c["value"])
    if values is not None:  # recorded at launch: renaming a class since changes nothing
        gone = sorted(set(values) - {c["value"] for c in every})
        if gone:
            raise OutputClassesError(
                "classes",
                f"Class value {gone[0]} is no longer a class of project “{project.name}”; its "
                f"classes are {_described(every)}.",
            )
        return [c for c in every if c["value"] in set(values)]
    if not classes:
        try:
            target = class_target(project, name=target_class)
        except LookupError as exc:
            raise OutputClassesError("target_class", str(exc)) from None
        return [c for c in every if c["value"] == target.value]
    if classes == ALL:
        return every
    by_name = {c["name"].casefold(): c for c in every}
    unknown = [n for n in classes if n.strip().casefold() not in by_name]
    if unknown:
        raise OutputClassesError(
            "classes",
            f"Project “{project.name}” has no class “{unknown[0].strip()}”; its classes are "
            f"{_described(every)}.",
        )
    chosen = {
        by_name[n.strip().casefold()]["value"]: by_name[n.strip().casefold()] for n in classes
    }
    return [chosen[v] for v in sorted(chosen)]


def output_classes(
    project: Project,
    *,
    classes: str | Sequence[str] = "",
    instance_head: str = "",
    target_class: str = "",
    class_weights: Sequence[float] = (),
    values: Sequence[int] | None = None,
) -> OutputClasses:
    """The outputs of a job on ``project`` (``values``: the class values its launch recorded);
    raises OutputClassesError with the reason."""
    chosen = _chosen(project, classes, target_class, values)
    instance_values = [c["value"] for c in chosen if c["kind"] == LabelKind.INSTANCES]
    if instance_head and not instance_values:
        raise OutputClassesError(
            "instance_head",
            f"An instance output separates objects of an instance class, and none of "
            f"{_described(chosen)} is one. Add an instance class to the classes, or train "
            f"without the instance output.",
        )
    n_classes = len(chosen) + 1 if classes else 1
    if class_weights and len(class_weights) != n_classes:
        raise OutputClassesError(
            "class_weights",
            f"Give {n_classes} class weights, background first, then {_described(chosen)}; "
            f"got {len(class_weights)}.",
        )
    every = project.label_classes
    return OutputClasses(
        classes=tuple(chosen),
        layout=HeadLayout(n_classes=n_classes, instance=instance_head or None),
        labels=project_labels(project),
        project_instance_values=tuple(
            sorted(c["value"] for c in every if c["kind"] == LabelKind.INSTANCES)
        ),
    )


def config_output_classes(project: Project, config, **choice) -> OutputClasses:
    """``output_classes`` of a TrainingConfig's classes, instance output and weights; ``choice``
    is its ``target_class`` (planning a job) or its recorded ``values`` (a launched job)."""
    return output_classes(
        project,
        classes=config.classes,
        instance_head=config.instance_head,
        class_weights=config.class_weights,
        **choice,
    )


def job_output_classes(project: Project, config) -> OutputClasses:
    """The outputs of a launched job (a TrainingConfig with ``class_values`` recorded)."""
    return config_output_classes(project, config, values=config.class_values)


def version_outputs(config: Mapping[str, Any]) -> tuple[HeadLayout, list[dict]] | None:
    """(layout, classes) a version's stored config records, or None for a binary version that
    predates them (it outputs its target class only)."""
    layout = config.get("head_layout")
    if not layout:
        return None
    return HeadLayout(**layout), list(config.get("classes") or [])


def version_instance_values(classes: Sequence[Mapping[str, Any]]) -> list[int]:
    """The instance classes among a version's recorded ``classes``."""
    return [int(c["value"]) for c in classes if c.get("kind") == LabelKind.INSTANCES]
