"""The sections an evaluation scored."""

from __future__ import annotations

from django.http import Http404

from annotations.models import Section
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
