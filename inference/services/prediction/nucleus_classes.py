"""The class of each predicted nucleus, for the exports.

A version with several classes records the class of every nucleus it found
(``PredictionResult.instance_classes``) and names its classes in its config (``classes``); a
binary version finds its one target class (``target_value`` recorded at its launch; versions from
before label sets: the project's nucleus class).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from inference.class_target import class_target
from inference.output_classes import version_outputs

__all__ = ["NucleusClasses"]

Unknown = ("", "")


class NucleusClasses:
    """``of(result)(nucleus_id) -> (class value, class name)``, the names looked up once per
    model version."""

    def __init__(self) -> None:
        self._names: dict[Any, tuple[dict[int, str], int | None]] = {}

    def _version(self, result) -> tuple[dict[int, str], int | None]:
        version = result.model_version
        key = version.pk if version is not None else None
        if key in self._names:
            return self._names[key]
        project = result.specimen.project
        names = {int(c["value"]): str(c["name"]) for c in project.label_classes}
        config = (version.config or {}) if version is not None else {}
        outputs = version_outputs(config)
        if outputs is not None and outputs[1]:  # the classes the version records
            names.update({int(c["value"]): str(c["name"]) for c in outputs[1]})
            values = [int(c["value"]) for c in outputs[1]]
            target = values[0] if len(values) == 1 else None
        else:
            try:
                chosen = class_target(project, value=config.get("target_value"))
            except LookupError:  # the class was removed from the project since
                chosen = None
            target = chosen.value if chosen is not None else None
            if chosen is not None:
                names[chosen.value] = chosen.name
        self._names[key] = (names, target)
        return names, target

    def of(self, result) -> Callable[[int], tuple[Any, str]]:
        names, target = self._version(result)
        recorded = {int(k): int(v) for k, v in (result.instance_classes or {}).items()}

        def class_of(nucleus: int) -> tuple[Any, str]:
            value = recorded.get(int(nucleus), target)
            if value is None:
                return Unknown
            return value, names.get(value, "")

        return class_of
