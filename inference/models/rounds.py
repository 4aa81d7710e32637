"""Retrain rounds: the active model fine-tuned on the confirmed ground truth of the moment, then
scored on held-out specimens that stay the same from round to round.

A ``RetrainRound`` only links what the job machine runs (its training job, then its evaluation)
and records what a comparison needs: the parent and resulting versions, the ground truth counted
at launch and the held-out specimens fixed by the project's first round.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from annotations.models import GroundTruthSource, Project
from annotations.models.fields import creator, optional_link
from inference.models.evaluation import Evaluation
from inference.models.training import ModelVersion, TrainingJob

__all__ = ["RetrainRound", "RoundSettings", "RoundSourceSwitch", "RoundState"]


class RoundState(models.TextChoices):
    TRAINING = "training", "Fine-tuning"
    EVALUATING = "evaluating", "Evaluating"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class RetrainRound(models.Model):
    """Round ``number`` of a project: a fine-tune of the active version, then its evaluation."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="retrain_rounds")
    number = models.PositiveIntegerField(help_text="1 for the project's first round.")
    state = models.CharField(max_length=12, choices=RoundState.choices, default=RoundState.TRAINING)
    message = models.CharField(max_length=2000, blank=True, default="")
    created_by = creator()
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    parent_version = models.ForeignKey(
        ModelVersion,
        null=True,
        on_delete=models.SET_NULL,
        related_name="rounds_as_parent",
        help_text="The active version fine-tuned from.",
    )
    training_job = models.OneToOneField(
        TrainingJob, null=True, on_delete=models.SET_NULL, related_name="retrain_round"
    )
    evaluation = models.OneToOneField(
        Evaluation, null=True, blank=True, on_delete=models.SET_NULL, related_name="retrain_round"
    )
    result_version = optional_link(
        ModelVersion,
        "rounds_as_result",
        help_text="The training job's final model (all training specimens).",
    )
    gt_source = models.CharField(
        max_length=16, choices=GroundTruthSource.choices, default=GroundTruthSource.CONSENSUS
    )
    gt_sections = models.PositiveIntegerField(
        default=0, help_text="Sections with confirmed ground truth in the project at launch."
    )
    held_out = models.JSONField(
        default=list, help_text="[{id, name}]: never trained on, scored every round."
    )
    dice_nucleus = models.FloatField(
        null=True,
        blank=True,
        help_text="Mean Dice over the held-out sections with a nucleus (the activation rule).",
    )
    activated = models.BooleanField(
        default=False, help_text="Activated by the rule “activate when better on the same set”."
    )

    class Meta:
        ordering = ["project", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="retrain_round_number")
        ]

    def __str__(self) -> str:
        return f"Round {self.number} of {self.project_id} · {self.state}"

    @property
    def held_out_ids(self) -> list[int]:
        return [int(s["id"]) for s in self.held_out]


class RoundSettings(models.Model):
    """A project's round settings: how long a round fine-tunes, and whether a round whose model
    beats the previous round's on the same held-out set becomes the active model by itself."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="round_settings")
    epochs = models.PositiveIntegerField(default=20, help_text="Fine-tuning epochs per round.")
    activate_when_better = models.BooleanField(default=False)
    retrain_after_sections = models.PositiveIntegerField(
        default=0,
        help_text="0: off. Otherwise a round is launched by itself when this many more sections "
        "have confirmed ground truth than the last round (or the active model) was trained on.",
    )
    gt_source = models.CharField(
        max_length=16,
        choices=GroundTruthSource.choices,
        blank=True,
        default="",
        help_text="The ground truth the next rounds train and score on, as a manager switched "
        "it; empty: the one round 1 fixed.",
    )


class RoundSourceSwitch(models.Model):
    """The audit trail of a round series' ground-truth source: who switched it, when, from
    what to what (rounds before and after a switch are scored on different ground truth)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="round_source_switches"
    )
    previous = models.CharField(max_length=16, choices=GroundTruthSource.choices)
    source = models.CharField(max_length=16, choices=GroundTruthSource.choices)
    after_round = models.PositiveIntegerField(help_text="The number of the last round before it.")
    switched_by = creator()
    switched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project", "-switched_at", "-pk"]

    def __str__(self) -> str:
        return f"Rounds of {self.project_id}: {self.previous} → {self.source}"
