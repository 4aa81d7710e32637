"""Forms of the inference pages."""

from __future__ import annotations

from django import forms

from cellweb.errors import DomainError
from inference.class_target import default_target_class
from inference.form_fields import small_float, small_int
from inference.selectors.training import model_versions_for_project, training_form_choices
from inference.services import training as services
from inference.services.training import TrainingConfig, TrainingConfigError

# The fields whose cleaned value is the training setting of the same name.
_SAME_NAMED = (
    "arch",
    "folds",
    "epochs",
    "batch_size",
    "lr",
    "loss",
    "elastic",
    "flips",
    "enlarge_crop",
    "aug_fraction",
    "input_size",
    "seed",
    "gt_source",
    "final_model",
)


class TrainingLaunchForm(forms.Form):
    """The launch form; defaults are the OS-Net paper's. Choices and counts come from the project."""

    labs = forms.MultipleChoiceField(
        label="Labs", required=False, widget=forms.CheckboxSelectMultiple
    )
    modalities = forms.MultipleChoiceField(
        label="Modalities", required=False, widget=forms.CheckboxSelectMultiple
    )
    tags = forms.MultipleChoiceField(
        label="Tags", required=False, widget=forms.CheckboxSelectMultiple
    )
    gt_source = forms.ChoiceField(label="Ground truth", widget=forms.RadioSelect)
    arch = forms.ChoiceField(label="Network", initial="osnet")
    folds = small_int("Folds", 4, 2, services.MAX_FOLDS)
    epochs = small_int("Epochs", 300, 1, services.MAX_EPOCHS)
    batch_size = small_int("Batch size", 32, 1, services.MAX_BATCH)
    lr = small_float("Learning rate", 5e-4, 1e-12, 1.0)
    beta1 = small_float("Adam β1", 0.5, 0.0, 0.999999)
    beta2 = small_float("Adam β2", 0.999, 0.0, 0.999999)
    loss = forms.ChoiceField(label="Loss", choices=list(services.LOSSES.items()), initial="bce")
    elastic = forms.BooleanField(
        label="Elastic deformation (α, σ) ∈ (1,1), (5,2), (1,0.5), (1,3)",
        required=False,
        initial=True,
    )
    flips = forms.BooleanField(label="Horizontal and vertical flips", required=False, initial=True)
    enlarge_crop = forms.BooleanField(
        label="Enlarge ×1.2/1.3/1.4, then crop", required=False, initial=True
    )
    aug_fraction = small_float("Augmented share per epoch", 0.3, 0.0, 1.0, step="0.05")
    input_size = small_int(
        "Input size (px)",
        448,
        services.MIN_INPUT,
        services.MAX_INPUT,
        step="16",
        help_text="A multiple of 16; 448 as in the paper, smaller for quick runs.",
    )
    native_crops = forms.ChoiceField(
        label="Native crops",
        choices=[
            ("auto", "Automatic: on for label-free fields larger than the input"),
            ("on", "On: random crops of the input size at native resolution"),
            ("off", "Off: resize every section to the input"),
        ],
        initial="auto",
        required=False,  # left out: automatic
        help_text="Crops keep the field's scale; validation then tiles the whole field.",
    )
    crop_foreground = small_float(
        "Crops centred on a nucleus (share)", 0.0, 0.0, 1.0, step="0.1", required=False
    )
    seed = small_int("Seed", 0, 0, services.MAX_SEED)
    final_model = forms.BooleanField(
        label="Also train a final model on all data", required=False, initial=False
    )
    from_version = forms.TypedChoiceField(
        label="Start from",
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Fine-tune a model version of the same network instead of training from scratch.",
    )
    target_class = forms.ChoiceField(
        label="Class to learn",
        required=False,
        help_text="The network learns this class against everything else.",
    )
    classes = forms.MultipleChoiceField(
        label="Classes to learn together",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Two or more: one softmax output over them (cross-entropy + Dice per class); "
        "none: the class above, alone.",
    )
    instance_head = forms.ChoiceField(
        label="Separate touching nuclei",
        required=False,
        choices=[
            ("", "No"),
            ("distance", "Distance map output (paper 004)"),
            ("boundary", "Boundary output"),
        ],
    )
    class_weights = forms.CharField(
        label="Class weights",
        required=False,
        help_text="Background first, then each class, separated by commas; blank: all alike.",
    )
    instance_alpha = small_float(
        "α (class loss weight)",
        1.0,
        0.0,
        1e6,
        required=False,  # left out: 1
    )
    foreground_normalise = forms.BooleanField(
        label="Normalise on the nuclei's statistics (paper 003)", required=False
    )
    confirm_long = forms.BooleanField(
        label="Launch it anyway: I know it will take hours on CPU workers", required=False
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.choices = training_form_choices(project)
        c = self.choices
        self.fields["labs"].choices = [(x["value"], f"{x['value']} ({x['n']})") for x in c["labs"]]
        self.fields["tags"].choices = [(x["value"], f"{x['value']} ({x['n']})") for x in c["tags"]]
        self.fields["modalities"].choices = [
            (x["value"], f"{x['label']} ({x['n']})") for x in c["modalities"]
        ]
        self.fields["gt_source"].choices = [
            (x["value"], f"{x['label']} — {x['sections']} sections of {x['specimens']} specimens")
            for x in c["sources"]
        ]
        self.fields["arch"].choices = [(x["value"], x["label"]) for x in c["networks"]]
        self.fields["from_version"].choices = [("", "Scratch (random initialisation)")] + [
            (
                v.pk,
                f"{v.name} (#{v.pk}, {v.arch}{', in-silico labelling' if v.task == 'isl' else ''})",
            )
            for v in model_versions_for_project(project)[:200]
        ]
        classes = sorted(project.label_classes, key=lambda entry: entry["value"])
        self.fields["target_class"].choices = [(c["name"], c["name"]) for c in classes]
        self.fields["classes"].choices = [(c["name"], c["name"]) for c in classes]
        default = default_target_class(classes)
        self.fields["target_class"].initial = default["name"] if default else None
        # Default to the source that actually has ground truth when confirmed consensus has none.
        with_data = [x["value"] for x in c["sources"] if x["sections"]]
        default_source = "consensus" if "consensus" in with_data or not with_data else with_data[0]
        self.fields["gt_source"].initial = default_source

    def _bound(self, *names: str) -> list:
        return [self[name] for name in names]

    @property
    def network_fields(self) -> list:
        return self._bound(
            "arch",
            "target_class",
            "classes",
            "instance_head",
            "class_weights",
            "instance_alpha",
            "foreground_normalise",
            "from_version",
            "folds",
            "epochs",
            "batch_size",
            "lr",
            "beta1",
            "beta2",
            "loss",
        )

    @property
    def augment_switches(self) -> list:
        return self._bound("elastic", "flips", "enlarge_crop")

    @property
    def input_fields(self) -> list:
        return self._bound("aug_fraction", "input_size", "native_crops", "crop_foreground", "seed")

    def to_config(self) -> TrainingConfig:
        d = self.cleaned_data
        return TrainingConfig(
            **{name: d[name] for name in _SAME_NAMED},
            betas=(d["beta1"], d["beta2"]),
            labs=list(d["labs"]),
            modalities=list(d["modalities"]),
            tags=list(d["tags"]),
            from_version=d.get("from_version"),
            native_crops=services.NATIVE_CROPS[d.get("native_crops") or "auto"],
            crop_foreground=d.get("crop_foreground") or 0.0,
            **_class_fields(d),
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.errors and not cleaned.get("confirm_long"):
            # Hours of CPU time are launched only when the manager has read why and confirmed.
            estimate = services.training_estimate(project=self.project, config=self.to_config())
            if estimate.get("long_run"):
                self.add_error("confirm_long", estimate["long_run"])
        return cleaned

    def clean_class_weights(self) -> list[float]:
        text = self.cleaned_data.get("class_weights") or ""
        try:
            return [float(w) for w in text.split(",") if w.strip()]
        except ValueError:
            raise forms.ValidationError("Class weights are numbers separated by commas.") from None

    def add_refusal(self, error: DomainError) -> None:
        """A launch's refusal: a configuration's errors go on their fields."""
        if isinstance(error, TrainingConfigError):
            self.add_config_errors(error.errors)
        else:
            self.add_error(None, error.message)

    def add_config_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            field = {"betas": "beta1", "specimen_ids": None, "data": None}.get(name, name)
            self.add_error(field if field in self.fields else None, message)


def _class_fields(d: dict) -> dict:
    """One ticked class is the binary class to learn; two or more learn together."""
    names = list(d.get("classes") or [])
    return {
        "classes": names if len(names) > 1 else "",
        "target_class": names[0] if len(names) == 1 else d.get("target_class") or "",
        "instance_head": d.get("instance_head") or "",
        "class_weights": d.get("class_weights") or [],
        "instance_alpha": 1.0 if d.get("instance_alpha") is None else d["instance_alpha"],
        "foreground_normalise": bool(d.get("foreground_normalise")),
    }
