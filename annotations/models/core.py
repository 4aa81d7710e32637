"""Projects, people and what is imported: Project, Membership, Tag, Specimen, SourceFile,
ImportJob. The images themselves (Volume -> Section) are in ``volumes.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

if TYPE_CHECKING:
    from annotations.models.volumes import Volume

from annotations.models.fields import creator, optional_link
from annotations.models.labels import PaintRule, default_label_classes
from cellweb.jobs import JobFields


class Role(models.TextChoices):
    ANNOTATOR = "annotator", "Annotator"
    REVIEWER = "reviewer", "Reviewer"
    MANAGER = "manager", "Manager"


class Modality(models.TextChoices):
    RI = "ri", "Refractive index (ODT)"
    BRIGHTFIELD = "brightfield", "Bright-field"
    PHASE = "phase", "Phase contrast"
    DIC = "dic", "DIC"
    FLUORESCENCE = "fluorescence", "Fluorescence"


LABEL_FREE_MODALITIES = {Modality.RI, Modality.BRIGHTFIELD, Modality.PHASE, Modality.DIC}


class ConsensusMethod(models.TextChoices):
    MAJORITY = "majority", "Majority vote"
    STAPLE = "staple", "STAPLE"


class ProposalMode(models.TextChoices):
    """Whether the annotation editor offers the active model's mask as a starting point."""

    OFF = "off", "Off"
    OFFERED = "offered", "Offered (a button and the M key)"
    START = "start", "Start from the proposal on a blank section"


class QueueMode(models.TextChoices):
    """How the work queue orders the sections nobody has been offered yet."""

    FULLEST_FIRST = "fullest_first", "Fullest first (finish sections, middle-out)"
    MOST_INFORMATIVE = "most_informative", "Most informative first (fold models disagree most)"


class Project(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    required_annotations = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="Independent annotations each section needs before review.",
    )
    consensus_method = models.CharField(
        max_length=16, choices=ConsensusMethod.choices, default=ConsensusMethod.STAPLE
    )
    allow_fluorescence_reference = models.BooleanField(
        default=False, help_text="Annotators may look at the paired fluorescence while drawing."
    )
    allow_self_review = models.BooleanField(
        default=False, help_text="A reviewer may review sections they annotated (small labs)."
    )
    proposals = models.CharField(
        max_length=16,
        choices=ProposalMode.choices,
        default=ProposalMode.OFF,
        help_text="Whether annotators may start from the active model's mask.",
    )
    queue_mode = models.CharField(
        max_length=20,
        choices=QueueMode.choices,
        default=QueueMode.FULLEST_FIRST,
        help_text="The work queue's order of fresh sections.",
    )
    queue_includes_imported = models.BooleanField(
        default=False,
        help_text="The work queue also offers sections whose current ground truth is imported "
        "(expert masks), e.g. to measure annotators against the expert.",
    )
    annotations_before_proposals = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(20)],
        help_text="The first K submitted annotations of every section are made without a model "
        "proposal; they stay the independent reference for agreement.",
    )
    label_classes = models.JSONField(
        default=default_label_classes,
        help_text="The label set: [{value, name, colour, shortcut, kind}] (models/labels.py).",
    )
    label_set_version = models.PositiveIntegerField(
        default=1,
        help_text="Counts the changes of the label set that change what a mask value means "
        "(a class added, deleted or given another kind); the editor saves with it.",
    )
    label_class_since = models.JSONField(
        default=dict,
        blank=True,
        help_text="{value: label_set_version} when each class was added or its kind last changed.",
    )
    label_value_high = models.PositiveSmallIntegerField(
        default=0,
        help_text="The highest label value a class of the project has ever had: a new class "
        "takes the next one, so a deleted class's value is never given again.",
    )
    paint_rule = models.CharField(
        max_length=16,
        choices=PaintRule.choices,
        default=PaintRule.REPLACE,
        help_text="Whether painting over another class replaces it or fills background only.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = creator()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user", "role"], name="membership_unique_role"
            )
        ]
        indexes = [models.Index(fields=["user", "project"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.project}"


class NamedInProject(models.Model):
    """A row whose ``name`` is unique within its ``project``; listed and shown by name."""

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="%(class)s_unique_name")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(NamedInProject):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=64)


class Specimen(NamedInProject):
    """A cell or a field of view; cross-validation folds never split one."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="specimens")
    name = models.CharField(max_length=200)
    lab = models.CharField(max_length=100, blank=True, default="")
    tags = models.ManyToManyField(Tag, blank=True, related_name="specimens")
    notes = models.TextField(blank=True, default="")
    # The time between consecutive time points, in minutes, as the file said (ImageJ finterval,
    # OME TimeIncrement) or the import was told; None: unknown, time is the time point only.
    frame_interval_min = models.FloatField(
        null=True, blank=True, help_text="Minutes between consecutive time points."
    )
    created_at = models.DateTimeField(default=timezone.now)


class SourceFile(models.Model):
    """An imported file, remembered by checksum so the same file is not imported twice."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="source_files")
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField()
    format = models.CharField(max_length=16)
    uploaded_by = creator()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "sha256"], name="source_unique_checksum")
        ]


class ImportJob(JobFields):
    """A background import of one uploaded file (web or API)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = creator("import_jobs", blank=False)
    staged_path = models.CharField(max_length=500, blank=True, default="")
    original_name = models.CharField(max_length=255)
    params = models.JSONField(default=dict)
    specimen = optional_link(Specimen)

    class Meta:
        ordering = ["-created_at"]

    @property
    def specimen_deleted(self) -> bool:
        """It stored a specimen that was deleted since (the link is emptied then)."""
        stored = self.status == "succeeded" and (self.result or {}).get("specimen")
        return bool(stored) and self.specimen_id is None


# Here, not beside Volume: migration 0001 names it as ``annotations.models.core.volume_upload_to``.
def volume_upload_to(instance: Volume, filename: str) -> str:
    return f"volumes/{instance.specimen.project_id}/{instance.specimen_id}/{filename}"
