"""Forms of the project pages: creating a project, its settings and its label classes (the import
pages' forms: ``forms_imports.py``)."""

from __future__ import annotations

from django import forms

from annotations.models import (
    ConsensusMethod,
    LabelKind,
    PaintRule,
    ProposalMode,
    QueueMode,
    Role,
)
from annotations.services.labels import DEFAULT_PRESET, preset_choices
from annotations.services.labels.creation import project_slug_check
from cellweb.errors import InvalidInput


class ProjectSettingsForm(forms.Form):
    required_annotations = forms.IntegerField(
        label="Annotations needed per section",
        min_value=1,
        max_value=20,
        help_text="Independent annotations a section needs before it goes to review (OS-Net used 3).",
    )
    consensus_method = forms.ChoiceField(label="Consensus method", choices=ConsensusMethod.choices)
    allow_fluorescence_reference = forms.BooleanField(
        label="Annotators may look at the paired fluorescence while drawing", required=False
    )
    allow_self_review = forms.BooleanField(
        label="Reviewers may review sections they annotated (small labs)", required=False
    )
    proposals = forms.ChoiceField(
        label="Model proposals in the editor",
        required=False,
        choices=ProposalMode.choices,
        help_text="With an active model: off, offered (a button and the M key), or loaded when "
        "an annotator opens a blank section. Reviewers see how many annotations started from one.",
    )
    queue_mode = forms.ChoiceField(
        label="Work queue order",
        required=False,
        choices=QueueMode.choices,
        help_text="Most informative first: sections the fold models of the latest training job "
        "disagree on most come first (scored after each training job); sections without a "
        "score follow in the fullest-first order.",
    )
    queue_includes_imported = forms.BooleanField(
        label="Annotators also draw sections with imported ground truth",
        required=False,
        help_text="Off: the work queue leaves out sections whose current ground truth is an "
        "imported (expert) mask. On: they are offered too, e.g. to measure annotators against "
        "the expert.",
    )
    annotations_before_proposals = forms.IntegerField(
        label="Annotations of every section made without a proposal first",
        required=False,
        min_value=0,
        max_value=20,
        help_text="K: no proposal is offered for a section until K of its submitted annotations "
        "started without one; those stay the independent reference for agreement. 0: no rule.",
    )
    paint_rule = forms.ChoiceField(
        label="Painting over another class",
        required=False,
        choices=PaintRule.choices,
        help_text="Whether a stroke replaces the class under it or fills background only.",
    )

    def clean(self):
        data = super().clean()
        for mode in ("proposals", "queue_mode", "paint_rule"):
            if not data.get(mode):
                data.pop(mode, None)  # a form without the field keeps the project's mode
        if data.get("annotations_before_proposals") is None:
            data.pop("annotations_before_proposals", None)
        return data


class ProjectCreateForm(forms.Form):
    slug = forms.CharField(
        label="Short name",
        max_length=64,
        help_text="Lower-case letters, digits and hyphens; it appears in the project's addresses.",
    )
    name = forms.CharField(label="Name", max_length=200, required=False)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    preset = forms.ChoiceField(
        label="Classes",
        choices=preset_choices,
        initial=DEFAULT_PRESET,
        help_text="The label set to start from; classes can be added, renamed and recoloured later.",
    )
    paint_rule = forms.ChoiceField(
        label="Painting over another class", choices=PaintRule.choices, initial=PaintRule.REPLACE
    )

    def clean_slug(self) -> str:
        """The service's own rule, so the field says what to write instead (“nuclei-ri-2026”)."""
        try:
            return project_slug_check(self.cleaned_data["slug"].strip())
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from exc


class LabelClassForm(forms.Form):
    """Adding a class, or changing one (then ``kind`` may be left out)."""

    name = forms.CharField(label="Name", max_length=200)
    colour = forms.CharField(
        label="Colour", max_length=32, widget=forms.TextInput(attrs={"type": "color"})
    )
    shortcut = forms.CharField(label="Key", max_length=8, required=False)
    kind = forms.ChoiceField(label="Kind", choices=LabelKind.choices, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("kind"):
            data.pop("kind", None)
        return data


class MemberAddForm(forms.Form):
    """Adding an existing account to a project with one role (settings page, Members)."""

    identifier = forms.CharField(
        label="User name or e-mail",
        max_length=254,
        help_text="An existing account; an administrator creates accounts in Admin → Users.",
    )
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.ANNOTATOR)
