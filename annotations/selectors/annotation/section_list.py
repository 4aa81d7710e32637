"""The annotations of a section that a user may see, as the section's listing answers them."""

from __future__ import annotations

from annotations.models import Section

from .state import annotation_public
from .visibility import visible_annotations


def section_annotations_public(*, user, section: Section) -> list[dict]:
    """What ``user`` may see of the annotations of ``section`` (the blind rule), by annotator."""
    annotations = visible_annotations(user=user, section=section).order_by("annotator__username")
    items = []
    for annotation in annotations:
        annotation.section = section
        items.append(annotation_public(annotation))
    return items
