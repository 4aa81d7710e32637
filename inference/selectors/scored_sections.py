"""The sections an evaluation scored."""

from __future__ import annotations

from django.http import Http404

from annotations.models import GroundTruth, Section
from annotations.selectors.annotation import truth_hidden_from
from cellweb.errors import NotAllowed
from inference.models import Evaluation, SectionResult

WITHHELD_TRUTH = (
    "You annotate in this project and this section does not have all its required submissions "
    "(again): its confirmed consensus is the other annotators' work, withheld until they are "
    "all in."
)


def scored_section(*, evaluation: Evaluation, section_id: int) -> Section:
    """The section (with its volume) that ``evaluation`` scored; 404 when it did not score it."""
    section = Section.objects.select_related("volume").filter(pk=section_id).first()
    if (
        section is None
        or not SectionResult.objects.filter(evaluation=evaluation, section=section).exists()
    ):
        raise Http404("This section was not scored in this evaluation.")
    return section


def withheld_truth_sections(*, user, evaluation: Evaluation, section_ids) -> set[int]:
    """Of ``section_ids``, those whose ground truth in ``evaluation`` the blind rule withholds
    from ``user``: a confirmed consensus, the annotators' work, of a section they are blind on
    (``truth_hidden_from``). Empty for a member who does not annotate."""
    hidden = GroundTruth.objects.filter(truth_hidden_from(user, evaluation.project))
    return set(
        SectionResult.objects.filter(
            evaluation=evaluation, section_id__in=list(section_ids), ground_truth__in=hidden
        ).values_list("section_id", flat=True)
    )


def withheld_scored_sections(*, user, evaluation: Evaluation) -> frozenset[int]:
    """Every section ``evaluation`` scored whose truth the blind rule withholds from ``user``
    (``withheld_truth_sections``): the results CSV leaves their scores blank."""
    scored = SectionResult.objects.filter(evaluation=evaluation).values_list("section_id")
    return frozenset(
        withheld_truth_sections(user=user, evaluation=evaluation, section_ids=scored.distinct())
    )


def require_layer_visible(*, user, evaluation: Evaluation, section: Section, layer: str) -> None:
    """The blind rule on a scored section's layers: its ground-truth layer (``gt``) is refused
    (403) when ``withheld_truth_sections`` holds the section; the methods' layers are nobody's
    work."""
    if layer == "gt" and withheld_truth_sections(
        user=user, evaluation=evaluation, section_ids=[section.pk]
    ):
        raise NotAllowed(WITHHELD_TRUTH)
