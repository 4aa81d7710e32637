"""Cross-confirmation: consensus proposals, expert review and versioned ground truth.

A consensus is recomputed from the latest submitted revision of every annotation whenever a
section has enough of them; a reviewer then confirms it (possibly edited), sends it back to
named annotators, or excludes the section. Confirmed ground truth is never overwritten: each
confirmation adds a version with its full provenance, and later edits to the annotations that fed
it only mark it stale.

``consensus`` computes proposals, ``confirm`` and ``decisions`` hold the reviewer's actions,
``staleness`` flags ground truth whose inputs changed.
"""

from .confirm import review_confirm
from .consensus import (
    STAPLE_MAX_ITERATIONS,
    consensus_compute_for_section,
    consensus_recompute,
)
from .decisions import (
    MAX_COMMENT_LENGTH,
    UNSEEN,
    review_exclude,
    review_include,
    review_send_back,
)
from .staleness import ground_truth_mark_stale_for_revision, on_annotation_changed

__all__ = [
    "MAX_COMMENT_LENGTH",
    "STAPLE_MAX_ITERATIONS",
    "UNSEEN",
    "consensus_compute_for_section",
    "consensus_recompute",
    "ground_truth_mark_stale_for_revision",
    "on_annotation_changed",
    "review_confirm",
    "review_exclude",
    "review_include",
    "review_send_back",
]
