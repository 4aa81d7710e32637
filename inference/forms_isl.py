"""The in-silico-labelling launch form of the training page."""

from __future__ import annotations

from django import forms

from inference.ml.nets import MODEL_NAMES, model_label
from inference.services import training as limits
from inference.services.isl import IslOptions

_SMALL = {"class": "cw-input-small"}


class IslLaunchForm(forms.Form):
    """What a manager picks; the method fixes the rest (L1 loss, no augmentation). Prefixed, as
    it shares the training page with the segmentation form."""

    prefix = "isl"

    arch = forms.ChoiceField(
        label="Network", choices=[(n, model_label(n)) for n in MODEL_NAMES], initial="osnet"
    )
    folds = forms.IntegerField(
        label="Folds",
        initial=4,
        min_value=2,
        max_value=limits.MAX_FOLDS,
        widget=forms.NumberInput(_SMALL),
    )
    epochs = forms.IntegerField(
        label="Epochs",
        initial=100,
        min_value=1,
        max_value=limits.MAX_EPOCHS,
        widget=forms.NumberInput(_SMALL),
    )
    batch_size = forms.IntegerField(
        label="Batch size",
        initial=16,
        min_value=1,
        max_value=limits.MAX_BATCH,
        widget=forms.NumberInput(_SMALL),
    )
    input_size = forms.IntegerField(
        label="Input size (px)",
        initial=448,
        min_value=limits.MIN_INPUT,
        max_value=limits.MAX_INPUT,
        widget=forms.NumberInput(_SMALL),
    )
    final_model = forms.BooleanField(label="Also train a final model on all pairs", required=False)

    def to_options(self) -> IslOptions:
        return IslOptions(**self.cleaned_data)
