"""Projects, people and images: Project -> Specimen -> Volume -> Section."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

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
    paint_rule = models.CharField(
        max_length=16,
        choices=PaintRule.choices,
        default=PaintRule.REPLACE,
        help_text="Whether painting over another class replaces it or fills background only.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

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


class Tag(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="tag_unique_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Specimen(models.Model):
    """A cell or a field of view; cross-validation folds never split one."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="specimens")
    name = models.CharField(max_length=200)
    lab = models.CharField(max_length=100, blank=True, default="")
    tags = models.ManyToManyField(Tag, blank=True, related_name="specimens")
    notes = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="specimen_unique_name")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SourceFile(models.Model):
    """An imported file, remembered by checksum so the same file is not imported twice."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="source_files")
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField()
    format = models.CharField(max_length=16)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "sha256"], name="source_unique_checksum")
        ]


class ImportJob(JobFields):
    """A background import of one uploaded file (web or API)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="import_jobs"
    )
    staged_path = models.CharField(max_length=500, blank=True, default="")
    original_name = models.CharField(max_length=255)
    params = models.JSONField(default=dict)
    specimen = models.ForeignKey(
        Specimen, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]


def volume_upload_to(instance: Volume, filename: str) -> str:
    return f"volumes/{instance.specimen.project_id}/{instance.specimen_id}/{filename}"


class Volume(models.Model):
    """One 3D stack (z, y, x) of one modality/channel at one time point; 2D images have z = 1."""

    specimen = models.ForeignKey(Specimen, on_delete=models.CASCADE, related_name="volumes")
    source_file = models.ForeignKey(
        SourceFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="volumes"
    )
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
    paired_with = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fluorescence_pairs",
        help_text="For a fluorescence volume: its label-free partner (same specimen and time point).",
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
    def is_label_free(self) -> bool:
        return self.modality in LABEL_FREE_MODALITIES


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
    fluorescence = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="label_free_partners",
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
