"""The launch form of a learning curve (training area)."""

from __future__ import annotations

from django import forms

from annotations.models import GroundTruthSource
from cellweb.errors import DomainError
from inference.ml.nets import MODEL_NAMES, model_label
from inference.models import ModelVersion, ModelVersionTask
from inference.services.learning_curve import LearningCurveConfig, parse_sizes
from inference.services.learning_curve.config import LearningCurveError

__all__ = ["LearningCurveForm"]


def _what(version: ModelVersion) -> str:
    if version.task == ModelVersionTask.ISL:
        return version.get_task_display()
    return version.get_kind_display()


class LearningCurveForm(forms.Form):
    sizes = forms.CharField(
        label="Numbers of annotated sections (n)",
        initial="1,2,5,10,20,50,all",
        max_length=200,
        help_text="Comma-separated; “all” is every section outside the held-out specimens.",
    )
    seeds = forms.IntegerField(label="Draws (seeds) per n", initial=3, min_value=1, max_value=20)
    start_version = forms.TypedChoiceField(
        label="Pretrained start", required=False, coerce=int, empty_value=None
    )
    arch = forms.ChoiceField(label="Network (when there is no pretrained start)")
    samples = forms.IntegerField(
        label="Training samples per point",
        initial=2000,
        min_value=1,
        help_text="The same for every n (paper 004): small n train for more epochs.",
    )
    input_size = forms.IntegerField(label="Input size (px)", initial=448, min_value=32)
    gt_source = forms.ChoiceField(
        label="Ground truth",
        choices=GroundTruthSource.choices,
        initial=GroundTruthSource.CONSENSUS,
        help_text="Trained on and scored: confirmed consensus, imported masks or the stain's.",
    )
    split_touching = forms.BooleanField(
        label="Separate touching predicted nuclei",
        required=False,
        initial=True,
        help_text="Before the held-out mAP: split by the watershed an evaluation uses.",
    )

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_version"].choices = [("", "None: from scratch only")] + [
            (v.pk, f"#{v.pk} {v.name} ({_what(v)})") for v in versions
        ]
        self.fields["arch"].choices = [(name, model_label(name)) for name in MODEL_NAMES]

    # The status a refusal answers with: 409 when the project's ground truth cannot give the
    # curve, 400 for a setting.
    refusal_status = 400

    def add_refusal(self, error: DomainError) -> None:
        """A launch's refusal on the fields it names, else above the form."""
        self.refusal_status = error.status_code
        for field, message in (getattr(error, "errors", None) or {None: error.message}).items():
            self.add_error(field if field in self.fields else None, message)

    def clean_sizes(self) -> list[int | str]:
        try:
            return parse_sizes(self.cleaned_data["sizes"])
        except LearningCurveError as exc:
            raise forms.ValidationError(exc.message) from None

    def config(self) -> LearningCurveConfig:
        # Every field is the setting of the same name.
        return LearningCurveConfig(**self.cleaned_data)
