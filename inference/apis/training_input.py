"""The input of the training endpoints: what every training of folds takes, and a training
configuration."""

from __future__ import annotations

from rest_framework import serializers

from annotations.models import LABEL_FREE_MODALITIES, GroundTruthSource
from cellweb.api.fields import NumberField
from inference.apis.fields import INPUT_SIZE_RULES, id_list, input_size_field, optional_id
from inference.ml.heads import INSTANCE_OUTPUTS
from inference.ml.nets import MODEL_NAMES
from inference.services import training as services

__all__ = ["FoldTrainingInput", "TrainingConfigInput"]


class ClassesField(serializers.JSONField):
    """Blank (the one target class), "all", or a list of class names."""

    def to_internal_value(self, data):
        names_ok = isinstance(data, list) and all(
            isinstance(n, str) and 0 < len(n.strip()) <= 40 for n in data
        )
        if data in ("", "all") or (names_ok and 0 < len(data) <= 255):
            return data
        raise serializers.ValidationError(
            "Classes are blank (the one target class), “all”, or a list of class names."
        )


# What every training of folds takes, segmentation and in-silico labelling alike. (A comment,
# not a docstring: the schema would give it as the description of a request without one.)
class FoldTrainingInput(serializers.Serializer):
    folds = serializers.IntegerField(default=4, min_value=2, max_value=services.MAX_FOLDS)
    epochs = serializers.IntegerField(default=300, min_value=1, max_value=services.MAX_EPOCHS)
    batch_size = serializers.IntegerField(default=32, min_value=1, max_value=services.MAX_BATCH)
    lr = NumberField(default=5e-4, min_value=1e-12, max_value=1.0)
    input_size = input_size_field()
    schema_rules = INPUT_SIZE_RULES
    seed = serializers.IntegerField(default=0, min_value=0, max_value=services.MAX_SEED)
    specimen_ids = id_list(default=list)
    modalities = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(str(m) for m in LABEL_FREE_MODALITIES)),
        default=list,
        max_length=10,
    )
    final_model = serializers.BooleanField(default=False)


class TrainingConfigInput(FoldTrainingInput):
    """A training configuration; every field is optional and defaults to the OS-Net paper."""

    arch = serializers.ChoiceField(
        choices=list(MODEL_NAMES),
        default="osnet",
        error_messages={
            "invalid_choice": f"Unknown network “{{input}}”; choose one of {', '.join(MODEL_NAMES)}."
        },
    )
    betas = serializers.ListField(
        child=NumberField(min_value=0.0, max_value=0.999999),
        min_length=2,
        max_length=2,
        default=[0.5, 0.999],
    )
    loss = serializers.ChoiceField(choices=list(services.LOSSES), default="bce")
    elastic = serializers.BooleanField(default=True)
    flips = serializers.BooleanField(default=True)
    enlarge_crop = serializers.BooleanField(default=True)
    aug_fraction = NumberField(default=0.3, min_value=0.0, max_value=1.0)
    gt_source = serializers.ChoiceField(
        choices=GroundTruthSource.choices, default=GroundTruthSource.CONSENSUS
    )
    labs = serializers.ListField(
        child=serializers.CharField(max_length=100), default=list, max_length=200
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64), default=list, max_length=200
    )
    from_version = optional_id("Fine-tune: start from this model version's weights (same network).")

    native_crops = serializers.BooleanField(
        allow_null=True,
        default=None,
        help_text="Train on native-resolution crops of the input size (null: automatic, on for "
        "label-free 2D fields larger than the input, off with RI tomograms).",
    )
    crop_foreground = NumberField(
        default=0.0,
        min_value=0.0,
        max_value=1.0,
        help_text="With native crops: the share of crops centred on a nucleus pixel.",
    )
    target_class = serializers.CharField(
        max_length=40,
        allow_blank=True,
        default="",
        help_text="The label class the network learns (by name); blank: the project's nucleus class.",
    )
    classes = ClassesField(
        default="",
        help_text="Several classes with a softmax output: “all” the project's classes, or a list "
        "of class names; blank: one binary class (target_class).",
    )
    instance_head = serializers.ChoiceField(
        choices=["", *INSTANCE_OUTPUTS],
        default="",
        help_text="An output that separates touching nuclei: distance map or boundary.",
    )
    class_weights = serializers.ListField(
        child=NumberField(min_value=0.0, max_value=1e6),
        default=list,
        max_length=256,
        help_text="One weight per class, background first (empty: all alike).",
    )
    instance_alpha = NumberField(
        default=1.0,
        min_value=0.0,
        max_value=1e6,
        help_text="α of MSE + α·class loss (paper 004) with an instance output.",
    )
    foreground_normalise = serializers.BooleanField(
        default=False, help_text="Normalise images on their nuclei's statistics (paper 003)."
    )

    def to_config(self) -> services.TrainingConfig:
        data = dict(self.validated_data)
        data["betas"] = tuple(data["betas"])
        return services.TrainingConfig(**data)
