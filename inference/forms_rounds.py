"""Forms of the rounds page: launching a round, the project's round settings, and switching
the ground truth of the series."""

from django import forms

from annotations.models import GroundTruthSource
from inference.services.rounds import MAX_ROUND_EPOCHS


class RoundLaunchForm(forms.Form):
    epochs = forms.IntegerField(
        min_value=1,
        max_value=MAX_ROUND_EPOCHS,
        required=False,
        label="Epochs",
        help_text="Empty: the project's round epochs.",
    )
    gt_source = forms.ChoiceField(
        choices=GroundTruthSource.choices,
        required=False,
        label="Ground truth",
        help_text=(
            "What the round trains and scores on. The first round fixes it for every later "
            "round, with the held-out specimens."
        ),
    )

    def clean_gt_source(self) -> str | None:
        return self.cleaned_data.get("gt_source") or None


class RoundSettingsForm(forms.Form):
    epochs = forms.IntegerField(min_value=1, max_value=MAX_ROUND_EPOCHS, label="Round epochs")
    activate_when_better = forms.BooleanField(
        required=False,
        label="Activate when better on the same set",
        help_text=(
            "A round's model becomes the active model by itself when its Dice on the held-out "
            "sections with a nucleus is strictly higher than the previous round's on the same "
            "ground truth."
        ),
    )
    retrain_after_sections = forms.IntegerField(
        min_value=0,
        max_value=100_000,
        required=False,
        initial=0,
        label="Retrain after N more confirmed sections",
        help_text=(
            "0: off. Otherwise a round starts by itself once this many more sections have "
            "confirmed ground truth than the last round (or the active model) was trained on."
        ),
    )

    def clean_retrain_after_sections(self) -> int:
        return self.cleaned_data.get("retrain_after_sections") or 0


class RoundSourceForm(forms.Form):
    gt_source = forms.ChoiceField(
        choices=GroundTruthSource.choices,
        label="Switch the ground truth to",
        help_text=(
            "The next rounds train and score on it, on the same held-out specimens. Their Dice "
            "is compared with earlier rounds of the same ground truth only. Recorded below."
        ),
    )
