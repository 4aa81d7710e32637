"""The import form of the model versions page."""

from __future__ import annotations

from django import forms

from inference.ml.nets import MODEL_NAMES, model_label


class ModelImportForm(forms.Form):
    file = forms.FileField(
        label="Model file",
        help_text="A bioimage.io package (.zip) or a PyTorch state dict (.pt, .pth).",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.pt,.pth"}),
    )
    arch = forms.ChoiceField(
        label="Network",
        required=False,
        choices=[("", "As the file says")] + [(n, model_label(n)) for n in MODEL_NAMES],
        help_text="Needed for a state dict that does not say which network it belongs to.",
    )
    name = forms.CharField(label="Name", required=False, max_length=120)
