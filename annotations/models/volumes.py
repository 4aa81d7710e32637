"""The images: Volume (one 3D stack of one modality, channel and time point) -> Section (the
z-section that is annotated, reviewed, trained on and scored)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from annotations.models.core import (
    LABEL_FREE_MODALITIES,
    Modality,
    Project,
    SourceFile,
    Specimen,
    volume_upload_to,
)
from annotations.models.fields import optional_link


class Volume(models.Model):
    """One 3D stack (z, y, x) of one modality/channel at one time point; 2D images have z = 1."""

    specimen = models.ForeignKey(Specimen, on_delete=models.CASCADE, related_name="volumes")
    source_file = optional_link(SourceFile, "volumes")
    modality = models.CharField(max_length=16, choices=Modality.choices)
    channel = models.CharField(max_length=32, blank=True, default="")
    time_index = models.PositiveIntegerField(default=0)
    size_z = models.PositiveIntegerField()
    size_y = models.PositiveIntegerField()
    size_x = models.PositiveIntegerField()
    voxel_size_z = models.FloatField(null=True, blank=True, help_text="µm")
    voxel_size_y = models.FloatField(null=True, blank=True, help_text="µm")
    voxel_size_x = models.FloatField(null=True, blank=True, help_text="µm")
    units = models.CharField(max_length=16, default="intensity")
    data = models.FileField(upload_to=volume_upload_to, max_length=500)
    stats = models.JSONField(default=dict)
    paired_with = optional_link(
        "self",
        "fluorescence_pairs",
        help_text="For a fluorescence volume: its label-free partner (same specimen and time point).",
    )
    # A stain imaged a few pixels off its label-free partner (filter cube, chromatic offset,
    # stage): where its content must move, in label-free pixels, as a reviewer confirmed it
    # (inference/ml/stain_shift.py, docs/fluorescence.md). The version counts the changes.
    stain_shift_y = models.IntegerField(default=0, help_text="Rows (down is positive).")
    stain_shift_x = models.IntegerField(default=0, help_text="Columns (right is positive).")
    stain_shift_version = models.PositiveIntegerField(default=0)
    channel_names = models.JSONField(
        default=list,
        blank=True,
        help_text="A multi-channel label-free volume (e.g. bright-field + phase): its channels' "
        "names, and its file holds (z, c, y, x). Empty for a single-channel volume (z, y, x).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["specimen", "modality", "channel", "time_index"],
                name="volume_unique_channel_time",
            )
        ]
        ordering = ["specimen", "time_index", "modality", "channel"]

    def __str__(self) -> str:
        channel = f" {self.channel}" if self.channel else ""
        return f"{self.specimen} · {self.modality}{channel} · t{self.time_index}"

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.size_z, self.size_y, self.size_x)

    @property
    def voxel_size(self) -> tuple[float, float, float] | None:
        if self.voxel_size_z is None or self.voxel_size_y is None or self.voxel_size_x is None:
            return None
        return (self.voxel_size_z, self.voxel_size_y, self.voxel_size_x)

    @property
    def stain_shift(self) -> tuple[int, int]:
        return (self.stain_shift_y, self.stain_shift_x)

    @property
    def is_label_free(self) -> bool:
        return self.modality in LABEL_FREE_MODALITIES

    @property
    def n_channels(self) -> int:
        """Channels of each section: 1, or as many as ``channel_names``."""
        return max(1, len(self.channel_names or []))


class SectionStatus(models.TextChoices):
    OPEN = "open", "Needs annotations"
    REVIEW = "review", "Ready for review"
    CONFIRMED = "confirmed", "Confirmed"
    SENT_BACK = "sent_back", "Sent back"
    EXCLUDED = "excluded", "Excluded"


class Section(models.Model):
    """A z-section of a volume: the unit that is annotated, reviewed, trained on and scored."""

    volume = models.ForeignKey(Volume, on_delete=models.CASCADE, related_name="sections")
    # Denormalised for the work queues, which must answer from indexes alone.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="sections")
    specimen = models.ForeignKey(Specimen, on_delete=models.CASCADE, related_name="sections")
    z = models.PositiveIntegerField()
    is_label_free = models.BooleanField(default=True)
    stats = models.JSONField(default=dict)
    fluorescence = optional_link(
        "self",
        "label_free_partners",
        help_text="The paired fluorescence section of a label-free section.",
    )
    status = models.CharField(
        max_length=16, choices=SectionStatus.choices, default=SectionStatus.OPEN
    )
    submitted_count = models.PositiveSmallIntegerField(default=0)
    started_count = models.PositiveSmallIntegerField(default=0)
    agreement = models.FloatField(
        null=True, blank=True, help_text="Mean pairwise Dice of submitted annotations."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["volume", "z"], name="section_unique_z")]
        indexes = [
            models.Index(fields=["project", "status", "agreement"], name="section_review_queue"),
            models.Index(
                fields=["project", "status", "submitted_count"], name="section_annotation_queue"
            ),
            models.Index(fields=["specimen", "z"]),
        ]
        ordering = ["volume", "z"]

    def __str__(self) -> str:
        return f"{self.volume} · z{self.z}"

    @property
    def shape(self) -> tuple[int, int]:
        return (self.volume.size_y, self.volume.size_x)
