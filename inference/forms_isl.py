"""The in-silico-labelling launch form of the training page."""

from __future__ import annotations

from django import forms

from inference.form_fields import small_int
from inference.ml.nets import MODEL_NAMES, model_label
from inference.services import training as limits
from inference.services.isl import IslOptions


class IslLaunchForm(forms.Form):
    """What a manager picks; the method fixes the rest (L1 loss, no augmentation). Prefixed, as
    it shares the training page with the segmentation form."""

    prefix = "isl"

    arch = forms.ChoiceField(
        label="Network", choices=[(n, model_label(n)) for n in MODEL_NAMES], initial="osnet"
    )
    folds = small_int("Folds", 4, 2, limits.MAX_FOLDS)
    epochs = small_int("Epochs", 100, 1, limits.MAX_EPOCHS)
    batch_size = small_int("Batch size", 16, 1, limits.MAX_BATCH)
    input_size = small_int("Input size (px)", 448, limits.MIN_INPUT, limits.MAX_INPUT)
    final_model = forms.BooleanField(label="Also train a final model on all pairs", required=False)

    def to_options(self) -> IslOptions:
        return IslOptions(**self.cleaned_data)
