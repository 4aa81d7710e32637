"""Class names in a stored agreement, read under the project's current label set.

A consensus stores its agreement per class (``agreement["classes"]``, ``worst_class``,
``minority``) with the class names of the day it was computed. Classes keep their value for
good and may be renamed or recoloured later without a mask changing (docs/labels.md), so the
review page, its API and the queue name each class by its value from the current set; a class
deleted since keeps the name it was stored with.
"""

from __future__ import annotations

from annotations.models import Project
from annotations.selectors.labels import label_classes

__all__ = ["ClassNames"]


class ClassNames:
    """The current name and colour of each class value of ``project``."""

    def __init__(self, project: Project):
        self.by_value = {int(c["value"]): c for c in label_classes(project)}

    def name(self, value, stored: str | None = None) -> str | None:
        entry = self.by_value.get(value) if isinstance(value, int) else None
        return entry["name"] if entry else stored

    def row(self, row: dict | None, *, value: str = "value", name: str = "name") -> dict | None:
        """``row`` (a stored per-class entry) with the class's current name (and colour, where
        the row has one)."""
        if not row:
            return row
        entry = self.by_value.get(row.get(value))
        if entry is None:
            return row
        renamed = {**row, name: entry["name"]}
        if "colour" in row:
            renamed["colour"] = entry.get("colour")
        return renamed
