"""Disagreement scoring: the fold models of one training job run on the sections that still
need annotations, so the queue mode "most informative first" can put the sections they
disagree on first (the scores themselves are ``annotations.SectionDisagreement`` rows)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from annotations.models import Project
from cellweb.jobs import JobFields
from inference.models.training import TrainingJob

__all__ = ["DisagreementJob"]


class DisagreementJob(JobFields):
    """One scoring run (job kind "disagreement") of a training job's fold models."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    training_job = models.ForeignKey(
        TrainingJob, on_delete=models.CASCADE, related_name="disagreement_jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when it followed a training job by itself.",
    )
    threshold = models.FloatField(default=0.5, help_text="Probability threshold of the masks.")
    sections = models.PositiveIntegerField(default=0, help_text="Sections scored.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "-created_at"])]

    def __str__(self) -> str:
        return f"Disagreement of training job {self.training_job_id} · {self.status}"
