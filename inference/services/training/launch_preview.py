"""What the launch form shows while the user edits a configuration: the plan's counts, folds
and run-time estimate, or the problem that stops the launch."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from annotations.models import Project
from inference.services.training.config import TrainingConfig, TrainingConfigError
from inference.services.training.estimate import assumptions, long_run_warning
from inference.services.training.outputs import parent_outputs_inherited
from inference.services.training.plan import FoldPlan, training_plan


def training_estimate(*, project: Project, config: TrainingConfig) -> dict[str, Any]:
    """What the launch form shows while the user edits: counts, estimates, or the problem."""
    try:
        plan = training_plan(project, parent_outputs_inherited(config), as_of=timezone.now())
    except TrainingConfigError as exc:
        return {"estimate_s": None, "problem": exc.message, "errors": exc.errors}
    return {
        "estimate_s": plan.estimate_s,
        "device_kind": plan.device_kind,
        "estimates": plan.estimates,
        "assumptions": assumptions(plan.calibration),
        "calibration": plan.calibration.public(),
        "long_run": long_run_warning(
            seconds=plan.estimate_s,
            device_kind=plan.device_kind,
            config=config,
            sections=len(plan.entries),
        ),
        "specimens": plan.specimens,
        "sections": len(plan.entries),
        "target_class": plan.target.name if plan.target else "",
        "classes": [c["name"] for c in plan.outputs.classes] if config.classes else [],
        "skipped_sections": plan.skipped,
        "skipped_message": plan.skipped_message(),
        "folds": [
            {
                "index": f.index,
                "kind": f.kind,
                "train_sections": len(f.train),
                "val_sections": len(f.val),
                "specimens_val": [s["name"] for s in FoldPlan.specimens(f.val)],
            }
            for f in plan.folds
        ],
        "problem": None,
        "errors": {},
    }
