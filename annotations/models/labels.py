"""What a project's label set is made of: the kinds of class, the painting rule, the default set.

The label set itself is a short list stored on the project (``Project.label_classes``), one
entry per class: ``{"value", "name", "colour", "shortcut", "kind"}``. ``value`` is the number
the project's masks store for the class (1-255; 0 is background) and never changes, so renaming
a class, or recolouring it, leaves every mask as it is. It is a list on the project rather than
a table because it is small, always read whole (by the editor, the imports, the export) and
changed whole under the project's row lock.
"""

from __future__ import annotations

from django.db import models


class LabelKind(models.TextChoices):
    REGION = "region", "Region (one area per cell: cytoplasm, membrane)"
    INSTANCES = "instances", "Instances (each object numbered: nuclei, droplets)"


class PaintRule(models.TextChoices):
    """What painting over a pixel that already holds another class does."""

    REPLACE = "replace", "Painting over another class replaces it"
    BACKGROUND = "background", "Painting fills background only"


NUCLEUS_CLASS = {
    "value": 1,
    "name": "nucleus",
    "colour": "#00e5ff",
    "shortcut": "1",
    "kind": LabelKind.INSTANCES.value,
}


def default_label_classes() -> list[dict]:
    """One instance class, "nucleus", value 1: what every mask drawn before label sets holds."""
    return [dict(NUCLEUS_CLASS)]
