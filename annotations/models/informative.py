"""How much the fold models of a training job disagree on a section: the key of the queue mode
"most informative first" (``annotations/selectors/annotation/informative.py``)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from annotations.models.core import Project
from annotations.models.volumes import Section


class SectionDisagreement(models.Model):
    """The latest disagreement score of one section, replaced by each scoring job.

    ``training_job_id`` is a plain id (the inference app owns training jobs; this app imports
    nothing of it), kept so the queue page can say where the score came from.
    """

    section = models.OneToOneField(
        Section, on_delete=models.CASCADE, primary_key=True, related_name="disagreement"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    variance = models.FloatField(
        help_text="Mean over pixels of the variance of the fold models' foreground probabilities."
    )
    pairwise_dice = models.FloatField(
        help_text="Mean Dice over every pair of fold models' masks at the threshold (1 = agree)."
    )
    folds = models.PositiveSmallIntegerField(help_text="Fold models compared.")
    training_job_id = models.PositiveIntegerField(help_text="The training job of the fold models.")
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["project", "-variance"], name="section_disagreement_rank"),
        ]

    def __str__(self) -> str:
        return f"section {self.section_id}: variance {self.variance:.3g}"
