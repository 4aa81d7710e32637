"""Disagreement scoring: the fold models of one training job run on the sections that still
need annotations, so the queue mode "most informative first" can put the sections they
disagree on first (the scores themselves are ``annotations.SectionDisagreement`` rows)."""

from __future__ import annotations

from django.db import models

from annotations.models import Project
from annotations.models.fields import creator
from cellweb.jobs.fields import ProjectJobFields
from inference.models.training import TrainingJob

__all__ = ["DisagreementJob"]


class DisagreementJob(ProjectJobFields):
    """One scoring run (job kind "disagreement") of a training job's fold models."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    training_job = models.ForeignKey(
        TrainingJob, on_delete=models.CASCADE, related_name="disagreement_jobs"
    )
    created_by = creator(help_text="Empty when it followed a training job by itself.")
    threshold = models.FloatField(default=0.5, help_text="Probability threshold of the masks.")
    sections = models.PositiveIntegerField(default=0, help_text="Sections scored.")

    def __str__(self) -> str:
        return f"Disagreement of training job {self.training_job_id} · {self.status}"
