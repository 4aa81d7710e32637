"""Forms of the evaluation pages: launching an evaluation, and the fluorescence ground-truth
parameters (shared by preview and derive)."""

from __future__ import annotations

from django import forms

from inference.form_fields import probability_threshold
from inference.ml.fluorescence import FluorescenceGTParams
from inference.models import EvaluationSetKind
from inference.services.fluorescence_gt import fluorescence_gt_params

__all__ = ["EvaluationLaunchForm", "FluorescenceGTForm"]


class EvaluationLaunchForm(forms.Form):
    model_version = forms.TypedChoiceField(
        label="Model version", required=False, coerce=int, empty_value=None
    )
    set_kind = forms.ChoiceField(
        label="Specimen set", choices=EvaluationSetKind.choices, initial="cross_modality"
    )
    lab = forms.ChoiceField(label="Lab", required=False)
    tag = forms.ChoiceField(label="Tag", required=False)
    specimen_ids = forms.TypedMultipleChoiceField(
        label="Specimens", required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    include_training = forms.BooleanField(
        label="Also score specimens the model was trained on", required=False
    )
    exclude_flagged = forms.BooleanField(
        label="Leave out sections whose fluorescence ground truth is flagged "
        "(stain signal but empty mask, or a mask without signal)",
        required=False,
    )
    gt_source = forms.ChoiceField(label="Ground truth", required=False)
    threshold = probability_threshold()
    split_touching = forms.BooleanField(
        label="Separate touching predicted nuclei", required=False, initial=True
    )

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model_version"].choices = [("", "None — baselines only")] + [
            (v["id"], f"#{v['id']} {v['name']}") for v in choices["versions"]
        ]
        if choices["versions"]:
            self.fields["model_version"].initial = choices["versions"][0]["id"]
        self.fields["lab"].choices = [("", "—")] + [
            (lab["value"], f"{lab['value']} ({lab['n']})") for lab in choices["labs"]
        ]
        self.fields["tag"].choices = [("", "—")] + [
            (t["value"], f"{t['value']} ({t['n']})") for t in choices["tags"]
        ]
        self.fields["specimen_ids"].choices = [
            (s["id"], f"{s['name']}{' · ' + s['lab'] if s['lab'] else ''}")
            for s in choices["specimens"]
        ]
        self.fields["gt_source"].choices = [("", "Automatic (by set)")] + [
            (s["value"], f"{s['label']} ({s['sections']} sections)") for s in choices["sources"]
        ]

    @staticmethod
    def initial_from_query(query, choices: dict) -> dict:
        """Initial values from a link such as a finished training job's "Evaluate this model"
        (``?job=ID&set_kind=cross_validation``): that job's newest version, the set kind."""
        initial: dict = {}
        job = query.get("job", "")
        if job.isdigit():
            ids = [v["id"] for v in choices["versions"] if v["job_id"] == int(job)]
            if ids:
                initial["model_version"] = ids[0]
        if query.get("set_kind") in EvaluationSetKind.values:
            initial["set_kind"] = query["set_kind"]
        return initial

    def launch_args(self) -> dict:
        data = self.cleaned_data
        params = {
            "lab": data.get("lab") or None,
            "tag": data.get("tag") or None,
            "specimen_ids": data.get("specimen_ids") or None,
            "include_training": data.get("include_training") or None,
            "exclude_flagged": data.get("exclude_flagged") or None,
        }
        return {
            "model_version_id": data.get("model_version"),
            "set_kind": data["set_kind"],
            "set_params": {k: v for k, v in params.items() if v is not None},
            "gt_source": data.get("gt_source") or None,
            "threshold": data["threshold"],
            "split_touching": data["split_touching"],
        }


class FluorescenceGTForm(forms.Form):
    method = forms.ChoiceField(
        label="Threshold", choices=[("otsu", "Otsu"), ("fixed", "Fixed value")], initial="otsu"
    )
    value = forms.FloatField(
        label="Fixed value (smoothed stain intensity)",
        required=False,
        widget=forms.NumberInput({"step": "any"}),
    )
    scope = forms.ChoiceField(
        label="Computed",
        choices=[("section", "per section"), ("volume", "per volume")],
        initial="volume",
    )
    smoothing_sigma = forms.FloatField(
        label="Smoothing σ (px, 0 = none)", initial=1.0, min_value=0.0, max_value=50.0
    )
    fill_holes = forms.BooleanField(label="Fill holes", required=False, initial=True)
    min_size = forms.IntegerField(
        label="Remove objects smaller than (px)", initial=64, min_value=0, max_value=10_000_000
    )
    remove_border = forms.BooleanField(
        label="Remove the nuclei touching the border", required=False, initial=True
    )
    small_objects = forms.ChoiceField(
        label="Small objects counted",
        choices=[("volume", "in 3D (keeps a nucleus's poles)"), ("section", "per section")],
        initial="volume",
        required=False,  # left out: the default (in 3D)
    )
    local_fill = forms.BooleanField(
        label="Half-maximum mask where the stain shows signal but Otsu leaves none",
        required=False,
        initial=True,
    )
    channel = forms.CharField(
        label="Channel (blank: the nuclear stain)", required=False, max_length=32
    )
    section = forms.IntegerField(label="Preview section", required=False, min_value=1)

    PARAMS = (
        "method",
        "value",
        "scope",
        "smoothing_sigma",
        "fill_holes",
        "min_size",
        "remove_border",
        "small_objects",
        "local_fill",
    )

    def params(self) -> FluorescenceGTParams:
        data = {k: self.cleaned_data[k] for k in self.PARAMS}
        if not data["small_objects"]:
            del data["small_objects"]
        return fluorescence_gt_params(data)
