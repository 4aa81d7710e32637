"""Learning curves: how held-out Dice grows with the number of annotated sections (paper 004).

A ``LearningCurve`` is one job (kind "learning_curve"): for each n and seed it trains a network
on n drawn sections, from scratch and, when a start version is chosen, from that version's
weights, and scores it on held-out specimens fixed for the whole job. Each finished point is
appended to ``points``; the report step stores the CSV and the figure (paths in ``result``).
"""

from __future__ import annotations

from django.db import models

from annotations.models import GroundTruthSnapshot, Project
from annotations.models.fields import creator, optional_link
from cellweb.jobs.fields import ProjectJobFields
from inference.models.training import ModelVersion

__all__ = ["LearningCurve"]


class LearningCurve(ProjectJobFields):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="learning_curves")
    created_by = creator("learning_curves")
    config = models.JSONField(
        default=dict, help_text="Sizes, seeds, network and training settings of the job."
    )
    snapshot = models.ForeignKey(
        GroundTruthSnapshot,
        on_delete=models.PROTECT,
        related_name="learning_curves",
        help_text="Ground truth frozen at launch: every point draws from the same sections.",
    )
    start_version = optional_link(
        ModelVersion,
        "learning_curves",
        help_text="The pretrained curve starts from these weights; none: from scratch only.",
    )
    held_out = models.JSONField(
        default=list, blank=True, help_text="[{id, name, sections}] scored at every point."
    )
    total_points = models.PositiveIntegerField(default=0)
    points = models.JSONField(
        default=list, blank=True, help_text="[{start, n, seed, dice, map, ...}] as they finish."
    )

    def __str__(self) -> str:
        return f"Learning curve {self.pk} · {self.status}"
