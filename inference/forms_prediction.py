"""Forms of the prediction pages: launching a prediction and the project's prediction setting."""

from __future__ import annotations

from django import forms

from inference.form_fields import any_float, probability_threshold
from inference.ml.tracking import MAX_TRACK_GAP

__all__ = ["PredictionLaunchForm", "PredictionSettingsForm"]


class PredictionLaunchForm(forms.Form):
    model_version = forms.TypedChoiceField(
        label="Model version", required=False, coerce=int, empty_value=None
    )
    specimen_ids = forms.TypedMultipleChoiceField(
        label="Specimens", required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    tag = forms.ChoiceField(label="Tag", required=False)
    time_points = forms.CharField(
        label="Time points",
        required=False,
        max_length=2000,
        help_text="Comma-separated, e.g. 0,1,2 (empty: every time point).",
    )
    threshold = probability_threshold()
    tta = forms.BooleanField(label="Flip test-time augmentation", required=False)
    split_touching = forms.BooleanField(
        label="Separate touching nuclei (h-maxima seeded watershed)", required=False
    )
    watershed_h = any_float("Watershed depth h (µm)", 1.0, 0.01, 100)
    min_voxels = forms.IntegerField(label="Smallest nucleus (voxels)", initial=27, min_value=1)
    track_gap = forms.IntegerField(
        label="Missed time points bridged",
        initial=2,
        min_value=0,
        max_value=MAX_TRACK_GAP,
        help_text="A nucleus missed for up to this many time points keeps its track id (0: none).",
    )

    def __init__(self, *args, versions, specimens, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model_version"].choices = [("", _default_choice(versions))] + [
            (v.pk, f"#{v.pk} {v.name}{' (active)' if v.is_active else ''}") for v in versions
        ]
        self.fields["specimen_ids"].choices = [(s.pk, s.name) for s in specimens]
        self.fields["tag"].choices = [("", "—")] + [(t, t) for t in tags]

    def clean_time_points(self) -> list[int]:
        text = self.cleaned_data["time_points"].strip()
        if not text:
            return []
        try:
            values = [int(part) for part in text.replace(" ", "").split(",") if part]
        except ValueError:
            raise forms.ValidationError(
                "Time points are whole numbers separated by commas."
            ) from None
        if any(v < 0 for v in values):
            raise forms.ValidationError("Time points start at 0.")
        return values

    def launch_args(self) -> dict:
        data = self.cleaned_data
        return {
            "model_version_id": data["model_version"],
            "specimen_ids": data["specimen_ids"],
            "tag": data["tag"] or None,
            "time_points": data["time_points"],
            "threshold": data["threshold"],
            "tta": data["tta"],
            "split_touching": data["split_touching"],
            "watershed_h": data["watershed_h"],
            "min_voxels": data["min_voxels"],
            "track_gap": data["track_gap"],
        }


class PredictionSettingsForm(forms.Form):
    predict_new_imports = forms.BooleanField(
        label="Predict new imports with the active model", required=False
    )


def _default_choice(versions) -> str:
    """The blank choice says what it stands for: the active model, or that there is none."""
    if not versions:
        return "No model version yet"
    if not any(v.is_active for v in versions):
        return "The active model (none yet: choose a version)"
    return "The active model"
