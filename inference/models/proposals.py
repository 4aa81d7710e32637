"""Model proposals computed ahead: one stored PNG per section and model version, and the job
(kind "proposals") that stores them for the sections in a project's annotation queue.

A stored proposal is keyed by its model version, so a proposal of an older version is never
served for the active one; it goes with its version or its section.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from annotations.models import Project, Section
from cellweb.jobs import JobFields
from inference.models.training import ModelVersion

__all__ = ["ProposalRun", "StoredProposal"]


class StoredProposal(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="stored_proposals"
    )
    png = models.BinaryField(help_text="1-bit PNG, white = nucleus (encode_mask).")
    source = models.CharField(
        max_length=16, help_text="prediction (a stored result's page) or computed (the network)."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["section", "model_version"], name="stored_proposal_one_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"Proposal of section {self.section_id} by version {self.model_version_id}"


class ProposalRun(JobFields):
    """Stores the proposals of ``model_version`` for the queued sections that lack one."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="proposal_runs")
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="proposal_runs"
    )
    reason = models.CharField(max_length=32, help_text="activation, import or settings")
    sections = models.PositiveIntegerField(default=0, help_text="Sections that lacked one.")
    stored = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Proposals {self.pk} · {self.status}"
