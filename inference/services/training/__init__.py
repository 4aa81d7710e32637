"""Cross-validated training of segmentation networks.

``config``: the settings of a job. ``plan``: the data, the split and the estimate; ``outputs``:
the classes and instance output; ``launch_preview``: what the launch form shows. ``launch``:
launch and cancel. ``fold_run``: one fold as a job (device, work, model version, foreground runs).
``fold_trainer``: the epoch loop; ``fold_validation``: its validation. ``fold_data``: what a fold
reads. ``heads``: the network, loss and validation of several classes or an instance output.
``recovery``: checkpoints a fold resumes from. ``gather``: the job's status and cross-validation
summary once every fold has ended.
"""

from inference.services.training.config import (
    LOSSES,
    MAX_BATCH,
    MAX_EPOCHS,
    MAX_FOLDS,
    MAX_INPUT,
    MAX_SEED,
    MIN_INPUT,
    NATIVE_CROPS,
    TrainingConfig,
    TrainingConfigError,
    TrainingDataConflict,
)
from inference.services.training.fold_run import (
    fold_run_execute,
    fold_started,
    fold_work,
    training_job_run_foreground,
)
from inference.services.training.gather import (
    METRIC_KEYS,
    THRESHOLD,
    training_job_finish,
    training_job_gather,
)
from inference.services.training.launch import (
    code_version,
    training_job_cancel,
    training_job_launch,
)
from inference.services.training.launch_preview import training_estimate
from inference.services.training.recovery import checkpoint_dir, checkpoint_path

__all__ = [
    "LOSSES",
    "MAX_BATCH",
    "MAX_EPOCHS",
    "MAX_FOLDS",
    "MAX_INPUT",
    "MAX_SEED",
    "NATIVE_CROPS",
    "METRIC_KEYS",
    "MIN_INPUT",
    "THRESHOLD",
    "TrainingConfig",
    "TrainingConfigError",
    "TrainingDataConflict",
    "checkpoint_dir",
    "checkpoint_path",
    "code_version",
    "fold_run_execute",
    "fold_started",
    "fold_work",
    "training_estimate",
    "training_job_cancel",
    "training_job_finish",
    "training_job_gather",
    "training_job_launch",
    "training_job_run_foreground",
]
