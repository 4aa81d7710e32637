"""Answers of the training endpoints: a job's list row and detail, its folds and their history, the
run-time estimate and its calibration, each field saying what it holds."""

from __future__ import annotations

from rest_framework import serializers

from cellweb.api.pagination import PageSerializer
from cellweb.jobs.api import (
    ERROR,
    STARTED_AT,
    STATUS,
    JobRowSerializer,
    JobSnapshotSerializer,
    JobSummarySerializer,
    RunTimesSerializer,
)
from inference.apis.errors import DetailSerializer, detail_errors


# The training endpoints' error answer: the same shape, its own schema component.
class TrainingErrorSerializer(DetailSerializer):
    pass


# Help text of the fields that a job's list row and its detail answer both give.
ARCH = "The network's name; null when its configuration does not say."
ARCH_LABEL = "The network's display name (blank without a network)."
ESTIMATE_S = (
    "The run-time estimate made at launch: seconds of wall clock for the whole job; null when "
    "none was made."
)
INPUT_SIZE = (
    "The side of the network's square input, in pixels; null when its configuration does not say."
)
SECTIONS = "Sections with ground truth it trains and scores on, frozen at launch."
# The scores of a fold's held-out sections, at threshold 0.5 (``inference.services.training``).
HELD_OUT = "the fold's held-out sections"


# A fold's history: one point per finished epoch (``inference.services.training.fold_trainer``).
TRAIN_LOSS = "The epoch's training loss, the mean over its training sections; null if not a number."
VAL_LOSS = f"The loss on {HELD_OUT}, the mean over them; null without held-out sections."
VAL_DICE = (
    f"Dice of the pixels of {HELD_OUT} pooled, at threshold 0.5 (a network of several classes: "
    "the mean over classes); null without held-out sections and for in-silico labelling."
)
VAL_PCC = (
    "In-silico labelling: the predicted stain's Pearson correlation with the real one, the mean "
    f"over {HELD_OUT}; null otherwise."
)

VAL_PER_CLASS_DICE = (
    f"A network of several classes: each class's Dice of the pixels of {HELD_OUT} pooled, in the "
    "job's class order (null for a class with no pixel there); null for one class."
)


class TrainingHistoryPointSerializer(serializers.Serializer):
    epoch = serializers.IntegerField(help_text="The epoch (1 first).")
    train_loss = serializers.FloatField(allow_null=True, help_text=TRAIN_LOSS)
    val_loss = serializers.FloatField(allow_null=True, help_text=VAL_LOSS)
    val_dice = serializers.FloatField(allow_null=True, help_text=VAL_DICE)
    val_pcc = serializers.FloatField(allow_null=True, required=False, help_text=VAL_PCC)
    val_per_class_dice = serializers.ListField(
        child=serializers.FloatField(allow_null=True),
        allow_null=True,
        required=False,
        help_text=VAL_PER_CLASS_DICE,
    )


# A fold: its split, where and how far it ran, and its held-out scores (``FoldRun``).
FOLD_LABEL = (
    "“fold N” (N = index + 1) for a cross-validation fold (kind cv), or “final model” (kind "
    "final: trained on all the data, nothing held out)."
)
WORKER = "The worker that ran it last; null before one took it up."
DEVICE = (
    "The device it trained on, e.g. “cpu (2 threads)” or the GPU's name and memory; null before "
    "a worker took it up."
)
ETA_S = (
    "Estimated seconds left of its training, from this run's speed so far; null before its "
    "first batch."
)
ATTEMPTS = "Runs started, counting runs cut short by a lost worker."
VAL_SECTIONS = "Sections it holds out and is scored on (0 for the final model)."
TRAINED_ON = "Names of the specimens it trains on."
HELD_OUT_NAMES = "Names of the specimens it holds out."
FOLD_METRICS = (
    f"Its scores on {HELD_OUT} at threshold 0.5, once it has finished (null before, and for the "
    "final model): dice, jaccard, f05, precision and recall of their pixels pooled, auc_pr over "
    "all their pixels; section_mean, the same scores as the mean over sections, and "
    "section_mean_nucleus over the sections whose ground truth is not empty, with their counts "
    "sections and sections_nucleus; objects, its held-out nuclei (precision_iou50, "
    "recall_iou50, f1_iou50 at IoU > 0.5 and map over IoU 0.50:0.05:0.95, counts pooled over "
    "its held-out sections, with n_gt, n_pred, pred_instances and gt_instances; absent for folds "
    "scored before nuclei were). In-silico labelling: pcc (mean over sections), pcc_std (null over one section), "
    "pcc_sections and l1."
)
FOLD_VERSION = "The model version it produced; null until it has finished."


class TrainingFoldSerializer(RunTimesSerializer):
    index = serializers.IntegerField(help_text="The fold's index in its job (0 first).")
    kind = serializers.ChoiceField(choices=["cv", "final"])
    label = serializers.CharField(help_text=FOLD_LABEL)
    status = serializers.CharField(help_text=STATUS)
    worker = serializers.CharField(allow_null=True, help_text=WORKER)
    device = serializers.CharField(allow_null=True, help_text=DEVICE)
    epoch = serializers.IntegerField(help_text="Epochs completed.")
    epochs = serializers.IntegerField(help_text="Epochs to train.")
    batch = serializers.IntegerField(help_text="Batches done in the current epoch.")
    batches = serializers.IntegerField(help_text="Batches in the current epoch.")
    eta_s = serializers.FloatField(allow_null=True, help_text=ETA_S)
    attempts = serializers.IntegerField(help_text=ATTEMPTS)
    error = serializers.CharField(allow_null=True, help_text=ERROR)
    message = serializers.CharField(allow_blank=True, help_text="Its latest progress line.")
    cancel_note = serializers.CharField(
        allow_null=True,
        help_text="Cancelled with its training job: “Cancelled by the system at <time zone> — "
        "training job cancelled” (who and why are the job's); null otherwise.",
    )
    train_sections = serializers.IntegerField(help_text="Sections it trains on.")
    val_sections = serializers.IntegerField(help_text=VAL_SECTIONS)
    specimens_train = serializers.ListField(child=serializers.CharField(), help_text=TRAINED_ON)
    specimens_val = serializers.ListField(child=serializers.CharField(), help_text=HELD_OUT_NAMES)
    metrics = serializers.JSONField(allow_null=True, help_text=FOLD_METRICS)
    model_version = serializers.IntegerField(allow_null=True, help_text=FOLD_VERSION)
    history = TrainingHistoryPointSerializer(many=True, help_text="One point per finished epoch.")


# A job's cross-validation headline (``inference.services.training.summary``).
FOLDS = (
    "Cross-validation folds (the final model not counted); null when its configuration does not "
    "say."
)
EPOCHS = "Epochs per fold; null when its configuration does not say."
GT_SOURCE = "The ground-truth source it trains on; null when its configuration does not say."
DICE = (
    "Cross-validation Dice at threshold 0.5: each fold's mean over its held-out sections, then "
    "the mean over the folds (older jobs: each fold's pixels pooled); null until the job has "
    "ended with a fold scored, and for in-silico labelling."
)
DICE_NUCLEUS = (
    "The same Dice over the held-out sections whose ground truth holds a nucleus only (in dice, "
    "a section empty in both prediction and ground truth scores 1.0); null where dice is, and "
    "for jobs summarised before the subsets."
)
PCC = (
    "In-silico labelling: each fold's mean PCC over its held-out sections, then the mean over "
    "the folds; null otherwise, and until the job has ended with a fold scored."
)


# What a training job's list row and its detail both say of it (a comment, not a docstring: the
# schema would give a docstring as the description of both answers).
class TrainingJobFactsSerializer(serializers.Serializer):
    arch = serializers.CharField(allow_null=True, help_text=ARCH)
    arch_label = serializers.CharField(allow_blank=True, help_text=ARCH_LABEL)
    task = serializers.ChoiceField(choices=["segmentation", "isl"])
    epochs = serializers.IntegerField(allow_null=True, help_text=EPOCHS)
    input_size = serializers.IntegerField(allow_null=True, help_text=INPUT_SIZE)
    gt_source = serializers.CharField(allow_null=True, help_text=GT_SOURCE)
    sections = serializers.IntegerField(help_text=SECTIONS)
    estimate_s = serializers.FloatField(allow_null=True, help_text=ESTIMATE_S)
    dice = serializers.FloatField(allow_null=True, help_text=DICE)
    dice_nucleus = serializers.FloatField(allow_null=True, help_text=DICE_NUCLEUS)
    pcc = serializers.FloatField(allow_null=True, help_text=PCC)


class TrainingJobSummarySerializer(JobSummarySerializer, TrainingJobFactsSerializer):
    folds = serializers.IntegerField(allow_null=True, help_text=FOLDS)


class TrainingJobListSerializer(PageSerializer):
    results = TrainingJobSummarySerializer(many=True)


# A job's detail: its configuration, ground truth, folds and summary.
SNAPSHOT = (
    "The ground truth frozen at launch: id, source, as_of (ISO 8601) and sections; id and as_of "
    "are null for in-silico labelling, which trains on label-free/stain pairs."
)
DEVICE_KIND = "The device kind the estimate assumed: cpu or cuda."
CODE_VERSION = "The code version that ran it; may be blank."
JOB_FOLDS = "Its folds by index: the cross-validation folds, then the final model."
SUMMARY = (
    "The cross-validation summary, once the job has ended (null before, and when no fold was "
    'scored): {"metrics": {"dice": {"label", "mean", "std", "per_fold"}, "jaccard", "f05", '
    '"precision", "recall", "auc_pr"}, "aggregation", "subsets", "pooled", "folds", '
    '"folds_total", "threshold", "sections", "objects"}. Each fold\'s number is the mean over '
    "its held-out sections (older jobs: its pixels pooled; aggregation says which); mean and std "
    "(sample SD; null over one fold, which has no SD) are over the folds that succeeded. objects: the folds' nuclei scores "
    "(precision_iou50, recall_iou50, f1_iou50, map) with mean, std and per_fold, and the words "
    "of their aggregation; absent when a fold was scored before nuclei were. In-silico "
    "labelling: metrics pcc and l1."
)


class TrainingJobDetailSerializer(
    JobRowSerializer, JobSnapshotSerializer, TrainingJobFactsSerializer
):
    started_at = serializers.CharField(allow_null=True, help_text=STARTED_AT)
    config = serializers.JSONField(help_text="The configuration it was launched with.")
    device_kind = serializers.CharField(allow_blank=True, help_text=DEVICE_KIND)
    code_version = serializers.CharField(allow_blank=True, help_text=CODE_VERSION)
    snapshot = serializers.JSONField(help_text=SNAPSHOT)
    folds = TrainingFoldSerializer(many=True, help_text=JOB_FOLDS)
    summary = serializers.JSONField(allow_null=True, help_text=SUMMARY)


# What a run-time estimate on one device kind rests on (``inference.services.training.estimate``).
OVERHEAD_S = (
    "Seconds outside the epochs per megapixel of a fold's native sections (loading and scoring "
    "them), beyond a fixed set-up and saving per fold: the median over the folds measured."
)


class TrainingCalibrationSerializer(serializers.Serializer):
    device_kind = serializers.CharField(help_text="cpu or cuda.")
    speed_factor = serializers.FloatField(help_text="Real / benchmark seconds per epoch.")
    overhead_s_per_mpx = serializers.FloatField(help_text=OVERHEAD_S)
    parallel = serializers.FloatField(help_text="Folds that ran at once, the mean over jobs.")
    folds = serializers.IntegerField(help_text="Finished folds measured; 0: the default.")
    source = serializers.CharField(help_text="Where these numbers come from, in words.")


# What the launch form shows while a configuration is edited (``launch_preview``).
ESTIMATE = (
    "Estimated seconds of wall clock for the whole job on device_kind; null when problem is set."
)
LONG_RUN = "Why the launch form asks for confirmation (hours on CPU workers), or null."
SKIPPED = "Sections left out: their ground truth holds other classes but not the target."
SPLIT = (
    "The split, one entry per fold: index, kind (cv or final), train_sections, val_sections and "
    "specimens_val (names)."
)
PLAN_SECTIONS = "Sections with ground truth it would train and score on."
PROBLEM = "Why the configuration or the data cannot work; null when it can."
ERRORS_BY_FIELD = (
    "What is wrong, by configuration field (data: the project's data); empty when nothing is."
)


class TrainingEstimateSerializer(serializers.Serializer):
    estimate_s = serializers.FloatField(allow_null=True, help_text=ESTIMATE)
    device_kind = serializers.CharField(
        required=False, help_text="Where folds will run: cpu or cuda."
    )
    estimates = serializers.DictField(
        child=serializers.FloatField(),
        required=False,
        help_text="The same estimate for each device kind (cpu, cuda), in seconds.",
    )
    assumptions = serializers.CharField(required=False, help_text="What the estimate assumes.")
    calibration = TrainingCalibrationSerializer(required=False)
    long_run = serializers.CharField(required=False, allow_null=True, help_text=LONG_RUN)
    specimens = serializers.IntegerField(required=False, help_text="Specimens it would train on.")
    sections = serializers.IntegerField(required=False, help_text=PLAN_SECTIONS)
    target_class = serializers.CharField(
        required=False, allow_blank=True, help_text="The class a binary network learns."
    )
    classes = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="The classes a network of several classes learns, in output order.",
    )
    skipped_sections = serializers.IntegerField(required=False, help_text=SKIPPED)
    skipped_message = serializers.CharField(
        required=False, allow_blank=True, help_text="skipped_sections in words; blank when none."
    )
    folds = serializers.JSONField(required=False, help_text=SPLIT)
    problem = serializers.CharField(allow_null=True, help_text=PROBLEM)
    errors = serializers.DictField(child=serializers.CharField(), help_text=ERRORS_BY_FIELD)


ERRORS = detail_errors(TrainingErrorSerializer, "Invalid configuration or request.")
