"""A learning-curve job's settings, their defaults and their ranges (no database access)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotations.models import GroundTruthSource
from cellweb.errors import ConflictError, InvalidInput
from inference.ml.learning_curve import ALL, DEFAULT_SIZES
from inference.ml.nets import MODEL_NAMES
from inference.services.config_kit import (
    MAX_INPUT,
    MIN_INPUT,
    TrainingSettings,
    input_size_ok,
    optimiser_problems,
)

MAX_SEEDS = 20
MAX_SIZES = 20
MAX_SAMPLES = 1_000_000


class LearningCurveError(InvalidInput):
    """Settings that cannot work; ``errors`` maps form fields to their messages."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        # Named, not super(): in LearningCurveConflict the next class is ConflictError.
        InvalidInput.__init__(self, " ".join(errors.values()))


class LearningCurveConflict(LearningCurveError, ConflictError):
    """Valid settings that the project's data refuses (409, with ``code``): too few specimens
    or sections, or a start version whose first layer the network cannot reuse. ``errors``
    names the form field it concerns."""

    status_code = 409

    def __init__(self, errors: dict[str, str], *, code: str, current: Any = None):
        LearningCurveError.__init__(self, errors)
        self.code = code
        self.current = current


def parse_sizes(text: str) -> list[int | str]:
    """``"1,2,5,all"`` → ``[1, 2, 5, "all"]``; LearningCurveError for anything else."""
    sizes: list[int | str] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if part.lower() == ALL:
            sizes.append(ALL)
            continue
        try:
            sizes.append(int(part))
        except ValueError:
            raise LearningCurveError(
                {"sizes": f"“{part}” is not a number of sections; write e.g. 1,2,5,10,all."}
            ) from None
    return sizes


@dataclass
class LearningCurveConfig(TrainingSettings):
    """What a learning curve is launched with. ``samples`` is the number of training samples
    every point sees, whatever its n (paper 004 keeps this budget fixed): small n train for
    more epochs, in full batches, so each point takes the same optimiser steps."""

    sizes: list[int | str] = field(default_factory=lambda: list(DEFAULT_SIZES))
    seeds: int = 3
    arch: str = "osnet"
    samples: int = 2000
    batch_size: int = 8
    lr: float = 5e-4
    betas: tuple[float, float] = (0.5, 0.999)
    loss: str = "bce"
    input_size: int = 448
    gt_source: str = GroundTruthSource.CONSENSUS
    # Seeds the choice of held-out specimens; the draws use 0..seeds-1.
    split_seed: int = 0
    start_version: int | None = None
    # Touching predicted nuclei separated as an evaluation separates them before mAP is scored
    # (``Evaluation.split_touching``); curves launched before the option record none: False.
    split_touching: bool = True

    def problems(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not self.sizes:
            errors["sizes"] = "Give at least one number of sections, e.g. 1,2,5,10,all."
        elif len(self.sizes) > MAX_SIZES:
            errors["sizes"] = f"At most {MAX_SIZES} numbers of sections."
        elif any(s != ALL and (not isinstance(s, int) or s < 1) for s in self.sizes):
            errors["sizes"] = "Numbers of sections are whole numbers of at least 1 (or “all”)."
        if not isinstance(self.seeds, int) or not 1 <= self.seeds <= MAX_SEEDS:
            errors["seeds"] = f"Seeds per number of sections must be between 1 and {MAX_SEEDS}."
        if self.arch not in MODEL_NAMES:
            errors["arch"] = (
                f"Unknown network “{self.arch}”; choose one of {', '.join(MODEL_NAMES)}."
            )
        if not isinstance(self.samples, int) or not 1 <= self.samples <= MAX_SAMPLES:
            errors["samples"] = f"Training samples per point must be between 1 and {MAX_SAMPLES}."
        errors |= optimiser_problems(self.batch_size, self.lr)
        if not input_size_ok(self.input_size):
            errors["input_size"] = (
                f"The input size must be a multiple of 16 between {MIN_INPUT} and {MAX_INPUT}; "
                f"got {self.input_size}."
            )
        if not isinstance(self.split_touching, bool):
            errors["split_touching"] = "Separate touching predicted nuclei is true or false."
        if self.gt_source not in GroundTruthSource.values:
            errors["gt_source"] = f"Unknown ground-truth source “{self.gt_source}”."
        return errors
