"""Evaluations of model versions (and the rule-based baselines) against ground truth.

An ``Evaluation`` is one job: a model version (or none: baselines only) x a specimen set x a
ground-truth source, at one probability threshold. It stores one ``SectionResult`` per scored
section and method, and one ``VolumeResult`` per segmented volume and method (3D, object and
per-nucleus numbers, and the predicted mask as a TIFF). ``summary`` holds every aggregate the
report shows, computed once when the job ends, so the report page never loops over rows.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from annotations.models import GroundTruth, GroundTruthSource, Project, Section, Specimen, Volume
from annotations.models.fields import creator, optional_link, voxel_size_used
from cellweb.jobs.fields import ProjectJobFields
from inference.models.training import ModelVersion

__all__ = [
    "Evaluation",
    "EvaluationMethod",
    "EvaluationSetKind",
    "SectionResult",
    "VolumeResult",
]


class EvaluationSetKind(models.TextChoices):
    CROSS_VALIDATION = "cross_validation", "Cross-validation (each fold on its held-out specimens)"
    CROSS_MODALITY = "cross_modality", "Cross-modality (fluorescence ground truth)"
    CROSS_LAB = "cross_lab", "Cross-laboratory (another lab's specimens)"
    TAG = "tag", "Tagged specimens"
    SPECIMENS = "specimens", "Chosen specimens"


class EvaluationMethod(models.TextChoices):
    MODEL = "model", "Model"
    EDGE = "edge", "Edge-based"
    OTSU = "otsu", "Otsu"


def evaluation_report_upload_to(instance: Evaluation, filename: str) -> str:
    return f"evaluations/{instance.project_id}/{instance.pk}/{filename}"


class Evaluation(ProjectJobFields):
    """One scoring run: model x specimen set x ground-truth source, with its summary and report."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="evaluations")
    created_by = creator("evaluations")
    model_version = optional_link(
        ModelVersion,
        "evaluations",
        help_text="None: only the rule-based baselines are scored.",
    )
    set_kind = models.CharField(max_length=24, choices=EvaluationSetKind.choices)
    set_params = models.JSONField(
        default=dict, blank=True, help_text="lab, tag, specimen_ids, include_training."
    )
    gt_source = models.CharField(
        max_length=16, choices=GroundTruthSource.choices, default=GroundTruthSource.CONSENSUS
    )
    threshold = models.FloatField(
        default=0.5, help_text="Probability above which a pixel is nucleus."
    )
    split_touching = models.BooleanField(
        default=True,
        help_text="Touching predicted nuclei numbered by connected components (binary versions, "
        "baselines) are separated by the ground truth's watershed before objects are scored. "
        "Evaluations from before the option: False.",
    )
    config = models.JSONField(
        default=dict,
        blank=True,
        help_text="The resolved plan: model(s), folds, specimens, volumes, ground truth as of.",
    )
    sections = models.PositiveIntegerField(
        default=0, help_text="Sections with ground truth scored."
    )
    summary = models.JSONField(null=True, blank=True)
    report = models.FileField(upload_to=evaluation_report_upload_to, max_length=500, blank=True)

    def __str__(self) -> str:
        return f"Evaluation {self.pk} · {self.set_kind} · {self.status}"


class MethodResult(models.Model):
    """What a result row of an evaluation names: the volume and specimen scored, the method
    and the label class. The concrete model adds its ``evaluation`` link."""

    volume = models.ForeignKey(Volume, on_delete=models.CASCADE, related_name="+")
    specimen = models.ForeignKey(Specimen, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=8, choices=EvaluationMethod.choices)
    class_value = models.PositiveSmallIntegerField(
        default=1, help_text="The label class these numbers score (its value in class maps)."
    )

    class Meta:
        abstract = True


class SectionResult(MethodResult):
    """The paper's metrics of one method on one section at the evaluation's threshold."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="section_results"
    )
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    ground_truth = optional_link(GroundTruth)
    fold_index = models.SmallIntegerField(default=-1, help_text="-1 when not cross-validation.")
    z = models.PositiveIntegerField(default=0)
    dice = models.FloatField()
    jaccard = models.FloatField()
    f05 = models.FloatField()
    precision = models.FloatField()
    recall = models.FloatField()
    auc_pr = models.FloatField(
        null=True, blank=True, help_text="None for a section without nucleus."
    )
    gt_pixels = models.PositiveIntegerField()
    pred_pixels = models.PositiveIntegerField()
    tp = models.PositiveIntegerField(default=0)
    fp = models.PositiveIntegerField(default=0)
    fn = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["evaluation", "method", "dice", "section"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "section", "method", "class_value"],
                name="section_result_unique",
            )
        ]
        indexes = [
            models.Index(fields=["evaluation", "method", "dice"], name="section_result_worst"),
        ]


def volume_mask_upload_to(instance: VolumeResult, filename: str) -> str:
    return f"evaluations/{instance.evaluation.project_id}/{instance.evaluation_id}/masks/{filename}"


class VolumeResult(MethodResult):
    """One method on one whole volume: 3D agreement, objects, nuclei, and the predicted mask."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="volume_results"
    )
    fold_index = models.SmallIntegerField(default=-1)
    time_index = models.PositiveIntegerField(default=0)
    gt_sections = models.PositiveIntegerField(
        default=0, help_text="Sections of the volume with ground truth (3D numbers use only them)."
    )
    total_sections = models.PositiveIntegerField(default=0)
    pred_volume_um3 = models.FloatField(null=True, blank=True)
    gt_volume_um3 = models.FloatField(null=True, blank=True)
    volume_difference_um3 = models.FloatField(null=True, blank=True)
    volume_difference_pct = models.FloatField(null=True, blank=True)
    voxel_size = voxel_size_used()
    intersection_ratio = models.FloatField(
        null=True, blank=True, help_text="|prediction ∩ GT| / |GT| over the GT sections."
    )
    dice_3d = models.FloatField(null=True, blank=True)
    jaccard_3d = models.FloatField(null=True, blank=True)
    object_metrics = models.JSONField(
        default=dict, blank=True, help_text="Object-level matching (3D)."
    )
    nuclei = models.JSONField(
        default=list,
        blank=True,
        help_text="Per-nucleus quantities of the prediction (whole volume).",
    )
    gt_nuclei = models.JSONField(
        default=list,
        blank=True,
        help_text="Per-nucleus quantities of the ground truth, when complete.",
    )
    quantities = models.JSONField(
        default=list,
        blank=True,
        help_text="Per-cell quantities of the class in the prediction (RI volumes).",
    )
    pred_mask = models.FileField(upload_to=volume_mask_upload_to, max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["evaluation", "method", "specimen", "time_index", "volume"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "volume", "method", "class_value"],
                name="volume_result_unique",
            )
        ]
