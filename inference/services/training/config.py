"""A training job's configuration: every setting, its default (the OS-Net paper's), its range."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from annotations.models import LABEL_FREE_MODALITIES, GroundTruthSource
from cellweb.errors import ConflictError, InvalidInput
from inference.ml.augment import AugmentConfig
from inference.ml.crops import crop_size_error
from inference.ml.heads import INSTANCE_OUTPUTS, HeadLayout
from inference.ml.nets import MODEL_NAMES
from inference.services.config_kit import MAX_BATCH as MAX_BATCH
from inference.services.config_kit import MAX_INPUT as MAX_INPUT
from inference.services.config_kit import MIN_INPUT as MIN_INPUT
from inference.services.config_kit import TrainingSettings, input_size_ok, optimiser_problems

LOSSES = {"bce": "Binary cross-entropy (paper)", "dice_bce": "Dice + BCE"}
# What a job trains the network to do: segment nuclei, or predict the stain (paper 004's in-silico
# labelling, whose loss is always L1 and which needs no ground truth).
TASKS = {"segmentation": "Segmentation", "isl": "In-silico labelling"}
ISL_LOSS = "l1"
ALL_CLASSES = "all"
MAX_FOLDS = 20
MAX_EPOCHS = 10_000
MAX_SEED = 2**31 - 1
# The native-crops choices of the form and ``manage.py train``: automatic, on, off.
NATIVE_CROPS = {"auto": None, "on": True, "off": False}


class TrainingConfigError(InvalidInput):
    """A configuration that cannot work (400); ``errors`` maps form fields to their messages."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        # Named, not super(): in TrainingDataConflict the next class is ConflictError.
        InvalidInput.__init__(self, " ".join(errors.values()))


class TrainingDataConflict(TrainingConfigError, ConflictError):
    """A valid configuration that the project's current data cannot serve (409): no ground
    truth, too few specimens for the folds, no specimen matching the filters, no section of
    the target class. ``code`` says which; ``current`` carries counts where useful."""

    status_code = 409

    def __init__(self, errors: dict[str, str], *, code: str, current: Any = None):
        TrainingConfigError.__init__(self, errors)
        self.code = code
        self.current = current


@dataclass
class TrainingConfig(TrainingSettings):
    """Everything a training job is launched with; defaults are the OS-Net paper's."""

    arch: str = "osnet"
    folds: int = 4
    epochs: int = 300
    batch_size: int = 32
    lr: float = 5e-4
    betas: tuple[float, float] = (0.5, 0.999)
    loss: str = "bce"
    elastic: bool = True
    flips: bool = True
    enlarge_crop: bool = True
    aug_fraction: float = 0.3
    input_size: int = 448
    seed: int = 0
    gt_source: str = GroundTruthSource.CONSENSUS
    labs: list[str] = field(default_factory=list)
    modalities: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    specimen_ids: list[int] = field(default_factory=list)
    final_model: bool = False
    # Fine-tuning: start every fold from this model version's weights instead of from scratch.
    from_version: int | None = None
    # Train on random crops of the input size at native resolution (inference/ml/crops.py) and
    # validate on whole tiled fields. None: decided at launch (on when no section is RI and some
    # section exceeds the input); the job and its versions record the decision.
    native_crops: bool | None = None
    # The share of each section's crops centred on a mask pixel (native crops only).
    crop_foreground: float = 0.0
    # The class a binary network learns, by name; blank: the project's nucleus class. The
    # launch records its value (``target_value``), which renaming the class does not change.
    target_class: str = ""
    target_value: int | None = None
    task: str = "segmentation"
    # Several classes (docs/training.md, "Classes and instances"): "" trains the one target class
    # as a binary mask (sigmoid), "all" every class of the label set, or a list of class names,
    # with a softmax output. The launch records their values in output order (``class_values``).
    classes: str | list[str] = ""
    class_values: list[int] = field(default_factory=list)
    # An extra output that separates touching nuclei: "" none, "distance" or "boundary".
    instance_head: str = ""
    # One weight per output class, background first (empty: all alike), and the weight α of the
    # class term in paper 004's MSE + α·class loss.
    class_weights: list[float] = field(default_factory=list)
    instance_alpha: float = 1.0
    # Paper 003: normalise each training image on its annotated foreground's statistics.
    foreground_normalise: bool = False

    @property
    def heads(self) -> bool:
        """Several classes or an instance output: targets are class indices and instance
        targets (``losses.pack_targets``), not one binary mask."""
        return bool(self.classes) or bool(self.instance_head)

    @property
    def head_data(self) -> bool:
        """Targets read through ``datasets_heads`` (heads, or foreground normalisation)."""
        return self.heads or bool(self.foreground_normalise)

    def layout(self) -> HeadLayout:
        """The outputs of the network (``class_values`` are recorded at launch)."""
        n_classes = len(self.class_values) + 1 if self.classes else 1
        return HeadLayout(n_classes=max(n_classes, 1), instance=self.instance_head or None)

    def augment(self) -> AugmentConfig:
        return AugmentConfig(
            elastic=self.elastic,
            flips=self.flips,
            enlarge_crop=self.enlarge_crop,
            fraction=self.aug_fraction,
            label_targets=self.heads,
        )

    def problems(self) -> dict[str, str]:
        """Field → message for every setting out of range (no database access)."""
        errors: dict[str, str] = {}
        if self.arch not in MODEL_NAMES:
            errors["arch"] = (
                f"Unknown network “{self.arch}”; choose one of {', '.join(MODEL_NAMES)}."
            )
        if not isinstance(self.folds, int) or self.folds < 2:
            errors["folds"] = "Cross-validation needs at least 2 folds."
        elif self.folds > MAX_FOLDS:
            errors["folds"] = f"At most {MAX_FOLDS} folds."
        if not isinstance(self.epochs, int) or not 1 <= self.epochs <= MAX_EPOCHS:
            errors["epochs"] = f"Epochs must be between 1 and {MAX_EPOCHS}."
        errors |= optimiser_problems(self.batch_size, self.lr)
        if len(self.betas) != 2 or not all(
            isinstance(b, int | float) and math.isfinite(b) and 0 <= b < 1 for b in self.betas
        ):
            errors["betas"] = "Adam's betas must be two numbers in [0, 1), e.g. 0.5 and 0.999."
        if self.task not in TASKS:
            errors["task"] = f"Unknown task “{self.task}”; choose one of {', '.join(TASKS)}."
        elif self.task == "isl" and self.loss != ISL_LOSS:
            errors["loss"] = "In-silico labelling trains with the L1 loss (paper 004)."
        elif self.task == "segmentation" and self.loss not in LOSSES:
            errors["loss"] = f"Unknown loss “{self.loss}”; choose one of {', '.join(LOSSES)}."
        if not (isinstance(self.aug_fraction, int | float) and 0 <= self.aug_fraction <= 1):
            errors["aug_fraction"] = (
                "The augmented fraction must be between 0 and 1 (the paper uses 0.3)."
            )
        if (
            self.native_crops is not False
            and isinstance(self.input_size, int)
            and MIN_INPUT <= self.input_size <= MAX_INPUT
            and self.arch in MODEL_NAMES
            and (reason := crop_size_error(self.arch, self.input_size))
        ):
            errors["input_size"] = reason
        elif not input_size_ok(self.input_size):
            errors["input_size"] = (
                f"The input size must be a multiple of 16 between {MIN_INPUT} and {MAX_INPUT} "
                f"(the networks halve it four times); got {self.input_size}."
            )
        if self.native_crops not in (None, True, False):
            errors["native_crops"] = "Native crops is on, off or automatic (null)."
        if not (isinstance(self.crop_foreground, int | float) and 0 <= self.crop_foreground <= 1):
            errors["crop_foreground"] = (
                "The share of crops centred on a nucleus must be between 0 and 1."
            )
        if self.from_version is not None and (
            not isinstance(self.from_version, int) or self.from_version < 1
        ):
            errors["from_version"] = "Fine-tune from a model version id (a positive number)."
        if not isinstance(self.target_class, str) or len(self.target_class) > 40:
            errors["target_class"] = "The target class is a class name of at most 40 characters."
        errors.update(self._head_problems())
        if not isinstance(self.seed, int) or not 0 <= self.seed <= MAX_SEED:
            errors["seed"] = f"The seed must be between 0 and {MAX_SEED}."
        if self.gt_source not in GroundTruthSource.values:
            errors["gt_source"] = (
                f"Unknown ground-truth source “{self.gt_source}”; choose one of {', '.join(GroundTruthSource.values)}."
            )
        bad_modalities = [m for m in self.modalities if m not in LABEL_FREE_MODALITIES]
        if bad_modalities:
            allowed = ", ".join(sorted(str(m) for m in LABEL_FREE_MODALITIES))
            errors["modalities"] = (
                f"Networks train on label-free images; “{bad_modalities[0]}” is not one ({allowed})."
            )
        return errors

    def _head_problems(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        names = self.classes if isinstance(self.classes, list) else None
        if not (
            self.classes in ("", ALL_CLASSES)
            or (names and all(isinstance(n, str) and 0 < len(n.strip()) <= 40 for n in names))
        ):
            errors["classes"] = (
                "Classes are blank (the one target class), “all”, or a list of class names."
            )
        if self.instance_head not in ("", *INSTANCE_OUTPUTS):
            errors["instance_head"] = (
                f"Unknown instance output “{self.instance_head}”; choose "
                f"{' or '.join(INSTANCE_OUTPUTS)}, or none."
            )
        weights = self.class_weights
        if not isinstance(weights, list) or not all(
            isinstance(w, int | float) and math.isfinite(w) and w >= 0 for w in weights
        ):
            errors["class_weights"] = "Class weights are non-negative numbers."
        elif weights and (not self.classes or not sum(weights)):
            errors["class_weights"] = (
                "Class weights need several classes and at least one weight above 0."
            )
        alpha = self.instance_alpha
        if not (isinstance(alpha, int | float) and math.isfinite(alpha) and alpha >= 0):
            errors["instance_alpha"] = "α, the weight of the class loss, must be 0 or more."
        if self.foreground_normalise not in (True, False):
            errors["foreground_normalise"] = "Foreground normalisation is on or off."
        if self.task == "isl" and self.heads:
            errors["classes"] = "In-silico labelling predicts the stain, not classes or instances."
        return errors
