"""The queue mode "most informative first": fresh sections ordered by how much the fold models of
the latest scored training job disagree on them, and the sentence that says why a section came
first.

The scores are written by the inference app's disagreement job (``SectionDisagreement``, one row
per section, replaced by each run). Sections without a score keep today's "fullest first"
order behind the scored ones. Only the order of fresh sections changes: drafts, sent-back
sections, the held section, skips and the offer lock (``queue.py``) are the same in both modes.
"""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Abs

from annotations.models import (
    Annotation,
    GroundTruth,
    GroundTruthSource,
    Project,
    QueueMode,
    Section,
    SectionDisagreement,
    SectionOffer,
    SectionStatus,
)
from annotations.selectors.imported_truth import queue_leaves_out_imported

__all__ = ["informative_order", "queue_reason", "top_scored_section"]


def informative_order(project: Project) -> list:
    """Order expressions placed before the fullest-first order: empty in that mode; else the
    highest mean variance first, ties by the lowest pairwise Dice, unscored sections last."""
    if project.queue_mode != QueueMode.MOST_INFORMATIVE:
        return []
    return [
        F("disagreement__variance").desc(nulls_last=True),
        F("disagreement__pairwise_dice").asc(nulls_last=True),
    ]


def top_scored_section(*, user, project: Project, skip: int | None) -> int | None:
    """The id of the scored section at the head of the queue's fresh sections: never offered
    to ``user`` nor annotated by them, still lacking annotators, highest variance first (the
    queue's order, ties by the fullest-first order); ``None`` when no scored section is left.

    Asked of the scores rather than of the sections, so the database walks the
    ``(project, -variance)`` index from the top and stops at the first section that qualifies
    instead of sorting every candidate.
    """
    mine = Annotation.objects.filter(section=OuterRef("section"), annotator=user)
    offered = SectionOffer.objects.filter(section=OuterRef("section"), annotator=user)
    scores = SectionDisagreement.objects.filter(
        project=project,
        section__status=SectionStatus.OPEN,
        section__is_label_free=True,
        section__submitted_count__lt=project.required_annotations - F("section__started_count"),
    ).exclude(Exists(mine) | Exists(offered))
    if queue_leaves_out_imported(project):
        imported = GroundTruth.objects.filter(
            section=OuterRef("section"), source=GroundTruthSource.IMPORTED, is_current=True
        )
        scores = scores.exclude(Exists(imported))
    if skip is not None:
        scores = scores.exclude(section_id=skip)
    return (
        scores.order_by(
            F("variance").desc(),
            "pairwise_dice",
            (F("section__submitted_count") + F("section__started_count")).desc(),
            "section__specimen_id",
            "section__volume__time_index",
            Abs(F("section__z") * 2 - F("section__volume__size_z") + 1),  # middle-out
            "section__z",
            "section_id",
        )
        .values_list("section_id", flat=True)
        .first()
    )


def queue_reason(section: Section) -> dict | None:
    """Why the queue offers ``section`` where it does, in the "most informative first" mode
    (``None`` in the fullest-first mode, whose order the handoffs page explains)."""
    if section.project.queue_mode != QueueMode.MOST_INFORMATIVE:
        return None
    score = SectionDisagreement.objects.filter(section_id=section.pk).first()
    if score is None:
        return {
            "scored": False,
            "text": "Most informative first: no fold models have scored this section yet, so "
            "it comes in the fullest-first order.",
        }
    return {
        "scored": True,
        "variance": score.variance,
        "pairwise_dice": score.pairwise_dice,
        "folds": score.folds,
        "training_job_id": score.training_job_id,
        "text": f"Most informative first: the {score.folds} fold models disagree here "
        f"(variance {score.variance:.3f}, pairwise Dice {score.pairwise_dice:.2f}, "
        f"from training job {score.training_job_id}).",
    }
