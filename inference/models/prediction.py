"""Predictions: a model version segmenting label-free volumes that need no ground truth.

A ``Prediction`` is one job (kind "prediction"): a model version × specimens × time points,
with its options. It writes one ``PredictionResult`` per volume: the instance label image (a
uint16 ImageJ TIFF with the voxel size) and the nuclei table, tracked across time points.
Results are written ``is_current=False`` and become current all together in the transaction
that ends the job succeeded, replacing the earlier results of the same model on those volumes;
a job that fails or is cancelled leaves nothing behind.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from annotations.models import Project, Specimen, Volume
from annotations.models.fields import creator, voxel_size_used
from cellweb.jobs.fields import ProjectJobFields
from inference.models.training import ModelVersion

__all__ = ["Prediction", "PredictionResult", "PredictionSettings"]


class Prediction(ProjectJobFields):
    """One prediction run and its options; ``summary`` holds the per-volume table."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="predictions")
    created_by = creator("predictions")
    model_version = models.ForeignKey(
        ModelVersion, null=True, on_delete=models.SET_NULL, related_name="predictions"
    )
    threshold = models.FloatField(default=0.5)
    tta = models.BooleanField(default=False, help_text="Flip test-time augmentation.")
    split_touching = models.BooleanField(
        default=False, help_text="Seeded (h-maxima) watershed separation of touching nuclei."
    )
    watershed_h = models.FloatField(
        default=1.0, help_text="Minimum neck depth (µm) for two touching nuclei to be split."
    )
    min_voxels = models.PositiveIntegerField(
        default=27, help_text="Smaller connected pieces are specks, not nuclei."
    )
    track_gap = models.PositiveSmallIntegerField(
        default=2,
        help_text="Time points a nucleus may be missed and still keep its track id (0: none).",
    )
    config = models.JSONField(
        default=dict, blank=True, help_text="The plan: model, specimens, volumes, time points."
    )
    sections = models.PositiveIntegerField(default=0, help_text="Sections to segment.")
    summary = models.JSONField(default=list, blank=True, help_text="One row per volume.")

    def __str__(self) -> str:
        return f"Prediction {self.pk} · {self.status}"

    @property
    def options(self):
        from inference.ml.predict import PredictOptions

        return PredictOptions(
            threshold=self.threshold,
            tta=self.tta,
            split_touching=self.split_touching,
            watershed_h=self.watershed_h,
            min_voxels=self.min_voxels,
            track_gap=self.track_gap,
        )


def prediction_labels_upload_to(instance: PredictionResult, filename: str) -> str:
    return f"predictions/{instance.prediction.project_id}/{instance.prediction_id}/{filename}"


class PredictionResult(models.Model):
    """The nuclei of one volume (one time point of a specimen) found by one prediction."""

    prediction = models.ForeignKey(Prediction, on_delete=models.CASCADE, related_name="results")
    model_version = models.ForeignKey(
        ModelVersion, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    volume = models.ForeignKey(Volume, on_delete=models.CASCADE, related_name="predictions")
    specimen = models.ForeignKey(Specimen, on_delete=models.CASCADE, related_name="+")
    time_index = models.PositiveIntegerField(default=0)
    labels = models.FileField(
        upload_to=prediction_labels_upload_to,
        max_length=500,
        help_text="Instance labels (uint16, 0 = background, the value is the track id).",
    )
    class_map = models.FileField(
        upload_to=prediction_labels_upload_to,
        max_length=500,
        blank=True,
        help_text="A version with several classes: the class of every voxel (TIFF, 0 = "
        "background); the labels then hold the instances of its instance classes.",
    )
    instance_classes = models.JSONField(
        default=dict, blank=True, help_text="The class value of each instance (track) id."
    )
    n_nuclei = models.PositiveIntegerField(default=0)
    no_signal = models.BooleanField(
        default=False,
        help_text="Every section was blank (a dropped frame): not segmented, no nuclei, a gap "
        "of the time-lapse rather than zero nuclei (inference/ml/no_signal.py).",
    )
    blank_sections = models.JSONField(
        default=list, blank=True, help_text="Sections with no signal, which got no nuclei."
    )
    total_volume_um3 = models.FloatField(null=True, blank=True)
    voxel_size = voxel_size_used()
    medium_ri = models.FloatField(null=True, blank=True, help_text="n0 measured on the volume.")
    nuclei = models.JSONField(default=list, blank=True)
    is_current = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["prediction", "specimen", "time_index", "volume"]
        constraints = [
            models.UniqueConstraint(
                fields=["prediction", "volume"], name="prediction_result_one_per_volume"
            ),
            models.UniqueConstraint(
                fields=["volume", "model_version"],
                condition=models.Q(is_current=True),
                name="prediction_result_one_current_per_model",
            ),
        ]
        indexes = [models.Index(fields=["volume", "is_current"])]


class PredictionSettings(models.Model):
    """A project's prediction settings: segment every newly imported volume with the active
    model."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="prediction_settings"
    )
    predict_new_imports = models.BooleanField(default=False)
