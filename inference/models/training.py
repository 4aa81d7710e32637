"""Training jobs, folds, epoch logs and model versions.

A cross-validation run is one ``TrainingJob`` with one ``FoldRun`` per fold (plus, optionally, a
final fold trained on all data). Each fold is its own Celery task; its per-epoch history lives in
``EpochLog`` rows so a reload or a second browser sees the same curves as the live websocket.
Every trained fold becomes a ``ModelVersion`` with its weights and provenance.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from annotations.models import GroundTruthSnapshot, Project
from annotations.models.fields import creator, optional_link
from cellweb.jobs import JobFields
from cellweb.jobs.fields import ProjectJobFields

__all__ = [
    "EpochLog",
    "FoldRun",
    "ModelVersion",
    "ModelVersionKind",
    "ModelVersionProvenance",
    "ModelVersionTask",
    "TrainingJob",
]


class TrainingJob(ProjectJobFields):
    """A k-fold cross-validated training run launched from the form, the API or the command."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="training_jobs")
    created_by = creator("training_jobs")
    config = models.JSONField(
        default=dict, help_text="The TrainingConfig the job was launched with."
    )
    snapshot = optional_link(
        GroundTruthSnapshot,
        "training_jobs",
        on_delete=models.PROTECT,
        help_text="Ground truth frozen at launch, so a rerun trains on exactly the same masks "
        "(none for in-silico labelling, which trains on label-free/stain pairs).",
    )
    estimate_s = models.FloatField(
        null=True, blank=True, help_text="Estimated compute time, seconds."
    )
    device_kind = models.CharField(
        max_length=16, blank=True, default="", help_text="Device the estimate assumed."
    )
    code_version = models.CharField(max_length=100, blank=True, default="")
    sections = models.PositiveIntegerField(
        default=0, help_text="Sections with ground truth in the snapshot."
    )
    summary = models.JSONField(
        null=True, blank=True, help_text="Cross-validation summary (mean ± std per metric)."
    )
    gathered_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last fold finished and the summary was built."
    )

    def __str__(self) -> str:
        return f"Training job {self.pk} · {self.config.get('arch', '?')} · {self.status}"

    @property
    def arch(self) -> str:
        return self.config.get("arch", "")


class FoldRun(JobFields):
    """One fold of a job: its split, where it runs, how far it got, and its held-out metrics."""

    job = models.ForeignKey(TrainingJob, on_delete=models.CASCADE, related_name="folds")
    index = models.PositiveSmallIntegerField()
    kind = models.CharField(
        max_length=8,
        choices=[("cv", "Cross-validation fold"), ("final", "Final model (all data)")],
        default="cv",
    )
    train_specimens = models.JSONField(
        default=list, blank=True, help_text="[{id, name}] trained on."
    )
    val_specimens = models.JSONField(default=list, blank=True, help_text="[{id, name}] held out.")
    train_sections = models.PositiveIntegerField(default=0)
    val_sections = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=255, blank=True, default="")
    device = models.CharField(max_length=255, blank=True, default="")
    epoch = models.PositiveIntegerField(default=0, help_text="Epochs completed.")
    epochs = models.PositiveIntegerField(default=0)
    batch = models.PositiveIntegerField(default=0, help_text="Batches done in the current epoch.")
    batches = models.PositiveIntegerField(default=0, help_text="Batches in the current epoch.")
    eta_s = models.FloatField(null=True, blank=True)
    checkpoint = models.CharField(max_length=500, blank=True, default="")
    metrics = models.JSONField(
        default=dict, blank=True, help_text="Held-out metrics at threshold 0.5."
    )

    class Meta:
        ordering = ["job", "index"]
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="foldrun_unique_index")
        ]

    def __str__(self) -> str:
        return f"{self.label} of job {self.job_id}"

    @property
    def label(self) -> str:
        return "final model" if self.kind == "final" else f"fold {self.index + 1}"


class EpochLog(models.Model):
    """One finished epoch of a fold: the history behind the loss and validation-Dice curves."""

    fold = models.ForeignKey(FoldRun, on_delete=models.CASCADE, related_name="epoch_logs")
    epoch = models.PositiveIntegerField(help_text="1-based.")
    train_loss = models.FloatField(null=True, blank=True)
    val_loss = models.FloatField(null=True, blank=True)
    val_dice = models.FloatField(null=True, blank=True)
    val_metrics = models.JSONField(default=dict, blank=True)
    seconds = models.FloatField(default=0.0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["fold", "epoch"]
        constraints = [
            models.UniqueConstraint(fields=["fold", "epoch"], name="epochlog_unique_epoch")
        ]


class ModelVersionKind(models.TextChoices):
    FOLD = "fold", "Cross-validation fold"
    FINAL = "final", "Final model (all data)"
    IMPORTED = "imported", "Imported"


class ModelVersionTask(models.TextChoices):
    """What the network predicts: a nucleus mask, or the stain (in-silico labelling, paper 004),
    which only serves as a virtual stain and as the start of a segmentation fine-tune."""

    SEGMENTATION = "segmentation", "Segmentation"
    ISL = "isl", "In silico labelling"


class ModelVersionProvenance(models.TextChoices):
    """Where the weights came from: trained here from scratch, fine-tuned here from a parent
    version, or imported (a bioimage.io package or a plain PyTorch state dict)."""

    TRAINED = "trained", "Trained from scratch"
    FINE_TUNED = "fine_tuned", "Fine-tuned from a parent version"
    IMPORTED = "imported", "Imported"


def model_weights_upload_to(instance: ModelVersion, filename: str) -> str:
    return f"models/{instance.project_id}/{filename}"


class ModelVersion(models.Model):
    """Trained weights with everything needed to reproduce and judge them."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="model_versions")
    job = optional_link(TrainingJob, "model_versions")
    fold = optional_link(FoldRun, "model_versions")
    kind = models.CharField(
        max_length=8, choices=ModelVersionKind.choices, default=ModelVersionKind.FOLD
    )
    task = models.CharField(
        max_length=16,
        choices=ModelVersionTask.choices,
        default=ModelVersionTask.SEGMENTATION,
        help_text="Segmentation, or in silico labelling (predicts the stain; never active).",
    )
    name = models.CharField(max_length=200)
    arch = models.CharField(max_length=32)
    weights = models.FileField(upload_to=model_weights_upload_to, max_length=500)
    config = models.JSONField(default=dict, blank=True)
    snapshot = optional_link(GroundTruthSnapshot, "model_versions", on_delete=models.PROTECT)
    train_specimens = models.JSONField(default=list, blank=True)
    val_specimens = models.JSONField(default=list, blank=True)
    code_version = models.CharField(max_length=100, blank=True, default="")
    metrics = models.JSONField(default=dict, blank=True)
    created_by = creator()
    created_at = models.DateTimeField(default=timezone.now)
    is_active = models.BooleanField(default=False, help_text="Used for prediction in this project.")
    provenance = models.CharField(
        max_length=16,
        choices=ModelVersionProvenance.choices,
        default=ModelVersionProvenance.TRAINED,
    )
    parent = optional_link(
        "self",
        "children",
        help_text="The version whose weights training started from (fine-tuning).",
    )
    origin = models.JSONField(
        default=dict,
        blank=True,
        help_text="An imported version's source: file name, SHA-256, format, package name.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=models.Q(is_active=True),
                name="model_version_one_active_per_project",
            )
        ]

    def __str__(self) -> str:
        return self.name
