"""What correcting a model proposal cost: the proposal the editor loaded, and the effort
measured when the annotation was submitted (docs/effort.md)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from annotations.models.annotation import Annotation, RevisionOrigin


class ProposalLoad(models.Model):
    """The proposal mask the annotator's editor loaded, as the editor sent it with its save.

    Kept as sent rather than recomputed at submission: the active model's stored prediction may
    be rerun or the cache emptied in between, and the correction must be measured against what
    the annotator actually started from. One per annotation: loading another proposal replaces it.
    """

    annotation = models.OneToOneField(
        Annotation, on_delete=models.CASCADE, related_name="proposal_load"
    )
    model_version = models.PositiveIntegerField(help_text="Id of the proposal's model version.")
    mask_png = models.BinaryField()
    foreground_pixels = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField(default=timezone.now)


class CorrectionEffort(models.Model):
    """Measured at each submission of an annotation (a resubmission replaces it).

    ``proposal_dice`` and ``changed_pixels`` compare the submitted mask with the loaded proposal
    and are null when the annotation did not start from one (or the editor sent no proposal).
    ``active_time_s`` is the annotation's active time over all its revisions: the editor's sum of
    gaps between input events of at most 60 s.
    """

    annotation = models.OneToOneField(Annotation, on_delete=models.CASCADE, related_name="effort")
    revision = models.PositiveIntegerField(help_text="The submitted revision measured.")
    origin = models.CharField(max_length=16, choices=RevisionOrigin.choices)
    origin_model_version = models.PositiveIntegerField(null=True, blank=True)
    proposal_dice = models.FloatField(null=True, blank=True)
    changed_pixels = models.PositiveIntegerField(null=True, blank=True)
    active_time_s = models.FloatField(default=0.0)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["origin_model_version"])]
