"""Saving, submitting and reopening annotations.

Every save appends a numbered revision (never an update), so the history of who drew what and
when is complete. A save names the revision it was based on; if another tab or device saved in
between, the save is refused with the newer version so the annotator can choose, and nothing
is stored. The section's counters drive the work queue and the hand-over to review.

Lock order, shared with the review service (``services/locking.py``): section row first (only
for saves that change the section's counters: first save, submit, reopen), then the annotation
row. ``offer`` hands a section out of the work queue, ``skip`` defers one. ``payload`` turns what the client sent into a mask, ``save`` and ``reopen`` write,
``sections`` keeps the section's side, ``hooks`` tells review.
"""

from .hooks import on_annotations_complete
from .labelmask import LabelMask
from .offer import section_offer_claim
from .payload import (
    MASK_SOURCES,
    MAX_POINTS_PER_POLYGON,
    MAX_POLYGON_POINTS,
    MAX_POLYGONS,
    MAX_ROW_CROSSINGS,
    MAX_TIME_SPENT_S,
    labels_from_payload,
    mask_from_payload,
)
from .reopen import annotation_reopen, annotation_return_to_draft
from .save import annotation_save
from .skip import annotation_skip

__all__ = [
    "LabelMask",
    "MASK_SOURCES",
    "MAX_POINTS_PER_POLYGON",
    "MAX_POLYGONS",
    "MAX_POLYGON_POINTS",
    "MAX_ROW_CROSSINGS",
    "MAX_TIME_SPENT_S",
    "annotation_reopen",
    "annotation_return_to_draft",
    "annotation_save",
    "annotation_skip",
    "labels_from_payload",
    "mask_from_payload",
    "on_annotations_complete",
    "section_offer_claim",
]
