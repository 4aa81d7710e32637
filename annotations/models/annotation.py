"""Independent annotations with an append-only revision history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from annotations.models.volumes import Section


class AnnotationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class RevisionOrigin(models.TextChoices):
    """Where the annotator's mask started: an empty canvas, their own previous section, or a
    model version's proposal (anchoring: reviewers count the annotations that began from one)."""

    BLANK = "blank", "Blank"
    OWN_PREVIOUS = "own_previous", "Own previous section"
    MODEL = "model", "Model proposal"


class Annotation(models.Model):
    """One annotator's mask of one section; its pixels live in its revisions."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="annotations")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="annotations"
    )
    status = models.CharField(
        max_length=16, choices=AnnotationStatus.choices, default=AnnotationStatus.DRAFT
    )
    revision = models.PositiveIntegerField(default=0, help_text="Number of the latest revision.")
    time_spent_s = models.FloatField(default=0.0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["section", "annotator"], name="annotation_one_per_annotator"
            )
        ]
        indexes = [models.Index(fields=["annotator", "status"])]

    def __str__(self) -> str:
        return f"{self.annotator} · {self.section} · r{self.revision}"


class AnnotationRevision(models.Model):
    """An immutable save: who, when, the mask (PNG bytes) and the time spent since the last save."""

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=AnnotationStatus.choices)
    mask_png = models.BinaryField()
    foreground_pixels = models.PositiveIntegerField(default=0)
    time_spent_s = models.FloatField(default=0.0)
    source = models.CharField(max_length=16, default="canvas")
    origin = models.CharField(
        max_length=16, choices=RevisionOrigin.choices, default=RevisionOrigin.BLANK
    )
    origin_model_version = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Id of the model version whose proposal the mask started from (kept when the "
        "version is later replaced or deleted).",
    )
    editor_session = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="The editor page that saved it (a random id per page, kept with the page's "
        "local backup): a save from the same page on top of it is not a conflict.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["annotation", "number"], name="revision_unique_number")
        ]
        ordering = ["annotation", "number"]


class SectionOffer(models.Model):
    """A section the queue handed to an annotator, who holds it until they save, skip it or
    leave it unsaved past the hold time; then it comes back to them after the fresh sections."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="offers")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    offered_at = models.DateTimeField(default=timezone.now)
    skipped_at = models.DateTimeField(
        null=True, blank=True, help_text="The annotator skipped it: it comes back later."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["section", "annotator"], name="offer_once")]
