"""A section's current fluorescence ground truth, as the fluorescence endpoints answer it."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from annotations.models import GroundTruth, GroundTruthSource, Section
from annotations.selectors.review import ground_truth_current, ground_truth_public


def fluorescence_truth_public(truth: GroundTruth) -> dict[str, Any]:
    """A fluorescence ground-truth version: the reviewed result, and how it was derived."""
    return {
        **ground_truth_public(truth),
        "edited": truth.edited,
        "method": truth.method,
        "params": truth.params,
    }


def section_fluorescence_truth(section: Section) -> dict[str, Any]:
    """The section's current fluorescence ground truth; 404 when it has none."""
    truth = ground_truth_current(section, source=GroundTruthSource.FLUORESCENCE)
    if truth is None:
        raise Http404("This section has no fluorescence ground truth.")
    return fluorescence_truth_public(truth)
