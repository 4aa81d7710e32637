"""What the settings of the jobs that train a network share: their JSON form and the ranges of
the optimiser's settings (no database access)."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any, Self

MAX_BATCH = 1024
MIN_INPUT, MAX_INPUT = 32, 1024


class TrainingSettings:
    """Mixin of a settings dataclass with ``betas`` (Adam's) and ``gt_source``: its stored JSON
    form and back (unknown keys of older jobs are ignored)."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)  # type: ignore[call-overload]
        data["betas"] = [float(b) for b in self.betas]  # type: ignore[attr-defined]
        data["gt_source"] = str(self.gt_source)  # type: ignore[attr-defined]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        values = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}  # type: ignore[attr-defined]
        if "betas" in values:
            values["betas"] = tuple(values["betas"])
        return cls(**values)


def optimiser_problems(batch_size: Any, lr: Any) -> dict[str, str]:
    """Field → message for a batch size or learning rate out of range."""
    errors: dict[str, str] = {}
    if not isinstance(batch_size, int) or not 1 <= batch_size <= MAX_BATCH:
        errors["batch_size"] = f"The batch size must be between 1 and {MAX_BATCH}."
    if not (isinstance(lr, int | float) and math.isfinite(lr) and 0 < lr <= 1):
        errors["lr"] = "The learning rate must be above 0 and at most 1."
    return errors


def input_size_ok(size: Any) -> bool:
    """A network input the U-Net family can take: a multiple of 16 (halved four times) in
    [MIN_INPUT, MAX_INPUT]."""
    return isinstance(size, int) and MIN_INPUT <= size <= MAX_INPUT and size % 16 == 0
