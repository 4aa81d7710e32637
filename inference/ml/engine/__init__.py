"""Training and evaluation loops, checkpoints and run-time estimates.

Conventions shared by every loop here: the model and inputs use channels_last (never slower on
CPU, and the layout cuDNN's fast convolution kernels want); on CUDA the forward pass runs under
bf16 autocast while losses are computed in fp32 from the logits; metrics are accumulated on the
device and read back once, so an evaluation costs a single host synchronisation.

One module per idea: ``setup`` (seeding, model and input placement), ``losses`` (loss and
optimiser factories), ``training`` (one epoch), ``evaluation`` (pooled metrics, probabilities), ``fields`` (tiled validation of whole fields),
``head_evaluation`` (per-class validation of several classes and instance heads),
``checkpoints`` and ``estimates`` (run-time estimate for the launch form). The names below are
the package's public surface, so callers write ``engine.train_one_epoch``.
"""

from .checkpoints import CHECKPOINT_FORMAT, load_checkpoint, save_checkpoint
from .estimates import REFERENCE_SIZE, estimate_seconds, throughput
from .evaluation import EvalStats, evaluate, predict_probabilities
from .fields import evaluate_fields, field_logits, field_probabilities
from .head_evaluation import HeadEvalStats, evaluate_head_fields, evaluate_heads
from .losses import LossFn, dice_bce_loss, make_loss, make_optimizer
from .setup import prepare_model, seed_everything
from .training import EpochStats, TrainingCancelled, train_one_epoch

__all__ = [
    "CHECKPOINT_FORMAT",
    "REFERENCE_SIZE",
    "EpochStats",
    "EvalStats",
    "HeadEvalStats",
    "LossFn",
    "TrainingCancelled",
    "dice_bce_loss",
    "estimate_seconds",
    "evaluate",
    "evaluate_fields",
    "evaluate_head_fields",
    "evaluate_heads",
    "field_logits",
    "field_probabilities",
    "load_checkpoint",
    "make_loss",
    "make_optimizer",
    "predict_probabilities",
    "prepare_model",
    "save_checkpoint",
    "seed_everything",
    "throughput",
    "train_one_epoch",
]
