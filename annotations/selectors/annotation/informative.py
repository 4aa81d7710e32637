"""The queue mode "most informative first": fresh sections ordered by how much the fold models of
the latest scored training job disagree on them, and the sentence that says why a section came
first.

The scores are written by the inference app's disagreement job (``SectionDisagreement``, one row
per section, replaced by each run). Sections without a score keep today's "fullest first"
order behind the scored ones. Only the order of fresh sections changes: drafts, sent-back
sections, the held section, skips and the offer lock (``queue.py``) are the same in both modes.
"""

from __future__ import annotations

from django.db.models import F

from annotations.models import Project, QueueMode, Section, SectionDisagreement

__all__ = ["informative_order", "queue_reason"]


def informative_order(project: Project) -> list:
    """Order expressions placed before the fullest-first order: empty in that mode; else the
    highest mean variance first, ties by the lowest pairwise Dice, unscored sections last."""
    if project.queue_mode != QueueMode.MOST_INFORMATIVE:
        return []
    return [
        F("disagreement__variance").desc(nulls_last=True),
        F("disagreement__pairwise_dice").asc(nulls_last=True),
    ]


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
