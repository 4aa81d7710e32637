"""A project's label set: presets, the rules its classes keep, creating and changing it."""

from annotations.services.labels.changes import (
    label_class_add,
    label_class_delete,
    label_class_update,
)
from annotations.services.labels.creation import project_create
from annotations.services.labels.presets import (
    DEFAULT_PRESET,
    PRESETS,
    preset_choices,
    suggested_colour,
)

__all__ = [
    "DEFAULT_PRESET",
    "PRESETS",
    "label_class_add",
    "label_class_delete",
    "label_class_update",
    "preset_choices",
    "project_create",
    "suggested_colour",
]
