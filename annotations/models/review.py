"""Consensus proposals, confirmed ground truth with provenance, snapshots and the audit trail."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from annotations.models.annotation import AnnotationRevision
from annotations.models.core import Project
from annotations.models.fields import creator, optional_link
from annotations.models.volumes import Section


class Consensus(models.Model):
    """A merged proposal computed from submitted annotation revisions."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="consensuses")
    method = models.CharField(max_length=16)
    inputs = models.ManyToManyField(AnnotationRevision, related_name="consensuses")
    mask_png = models.BinaryField()
    agreement = models.JSONField(default=dict, help_text="Pairwise Dice/Jaccard and their means.")
    annotator_stats = models.JSONField(
        default=dict,
        help_text="Per annotator: STAPLE sensitivity/specificity, Dice with consensus.",
    )
    disagreement_png = models.BinaryField(null=True, blank=True)
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["section", "is_current"])]
        ordering = ["-created_at"]


class GroundTruthSource(models.TextChoices):
    CONSENSUS = "consensus", "Confirmed consensus"
    FLUORESCENCE = "fluorescence", "Fluorescence-derived"
    IMPORTED = "imported", "Imported mask"


class GroundTruth(models.Model):
    """A versioned ground-truth mask of a section. Re-confirming adds a version; none is overwritten."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="ground_truths")
    source = models.CharField(max_length=16, choices=GroundTruthSource.choices)
    version = models.PositiveIntegerField()
    mask_png = models.BinaryField()
    foreground_pixels = models.PositiveIntegerField(default=0)
    consensus = optional_link(Consensus)
    input_revisions = models.JSONField(
        default=list,
        help_text="[{annotation_id, revision, annotator}] the consensus was built from.",
    )
    method = models.CharField(max_length=32, blank=True, default="")
    params = models.JSONField(default=dict, blank=True, help_text="e.g. fluorescence thresholds.")
    reviewer = creator()
    edited = models.BooleanField(default=False)
    edit_summary = models.JSONField(default=dict, blank=True)
    confirmed_at = models.DateTimeField(default=timezone.now, db_index=True)
    is_current = models.BooleanField(default=True)
    stale = models.BooleanField(
        default=False, help_text="An input annotation changed after confirmation."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["section", "source", "version"], name="gt_unique_version"
            ),
            models.UniqueConstraint(
                fields=["section", "source"],
                condition=models.Q(is_current=True),
                name="gt_one_current_per_source",
            ),
        ]
        indexes = [models.Index(fields=["source", "is_current"])]
        ordering = ["section", "source", "-version"]


class GroundTruthSnapshot(models.Model):
    """A frozen set of ground-truth versions, so training on it is reproducible."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="gt_snapshots")
    source = models.CharField(max_length=16, choices=GroundTruthSource.choices)
    as_of = models.DateTimeField()
    entries = models.ManyToManyField(GroundTruth, related_name="snapshots")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = creator()


class ReviewAction(models.TextChoices):
    CONSENSUS = "consensus", "Consensus computed"
    CONFIRM = "confirm", "Confirmed"
    EDIT_CONFIRM = "edit_confirm", "Edited and confirmed"
    SEND_BACK = "send_back", "Sent back"
    EXCLUDE = "exclude", "Excluded"
    INCLUDE = "include", "Included again"
    REOPEN = "reopen", "Reopened"
    STALE = "stale", "Ground truth marked stale"
    FLUORESCENCE_GT = "fluorescence_gt", "Fluorescence ground truth derived"
    STAIN_SHIFT = "stain_shift", "Stain shift set"
    VOXEL_SIZE = "voxel_size", "Voxel size set"


class AuditEvent(models.Model):
    """Everything a reviewer (or the system) does to a section, in order."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="audit_events")
    actor = creator()
    action = models.CharField(max_length=32, choices=ReviewAction.choices)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["at", "id"]
