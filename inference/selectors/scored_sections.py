"""The sections an evaluation scored."""

from __future__ import annotations

from django.http import Http404

from annotations.models import Section
from annotations.selectors.annotation import require_truth_unblinded
from inference.models import Evaluation, SectionResult


def scored_section(*, evaluation: Evaluation, section_id: int) -> Section:
    """The section (with its volume) that ``evaluation`` scored; 404 when it did not score it."""
    section = Section.objects.select_related("volume").filter(pk=section_id).first()
    if (
        section is None
        or not SectionResult.objects.filter(evaluation=evaluation, section=section).exists()
    ):
        raise Http404("This section was not scored in this evaluation.")
    return section


def require_layer_visible(*, user, evaluation: Evaluation, section: Section, layer: str) -> None:
    """The blind rule on a scored section's layers: its ground-truth layer (``gt``) is refused
    (403) to a member blind on the section when that truth is a confirmed consensus, the
    annotators' work (``require_truth_unblinded``); the methods' layers are nobody's."""
    if layer != "gt":
        return
    source = (
        SectionResult.objects.filter(evaluation=evaluation, section=section)
        .values_list("ground_truth__source", flat=True)
        .first()
    )
    if source is not None:
        require_truth_unblinded(user, section, source)
