"""The classes and instance output a training job trains: checked against the project at
planning, and inherited from the parent version when fine-tuning names none."""

from __future__ import annotations

import dataclasses

from annotations.models import Project
from inference.models import ModelVersion
from inference.output_classes import (
    OutputClasses,
    OutputClassesError,
    config_output_classes,
    version_outputs,
)
from inference.services.training.config import TrainingConfig, TrainingConfigError


def plan_outputs(project: Project, config: TrainingConfig) -> OutputClasses | None:
    """The classes and instance output of a job that has them (400 with the reason if the
    project cannot serve them)."""
    if not config.head_data:
        return None
    try:
        return config_output_classes(project, config, target_class=config.target_class)
    except OutputClassesError as exc:
        raise TrainingConfigError({exc.field: str(exc)}) from None


def parent_outputs_inherited(config: TrainingConfig) -> TrainingConfig:
    """Fine-tuning a version with several classes or an instance output keeps its outputs
    when the configuration names none (a retrain round, a fine-tune from the form)."""
    if config.heads or config.from_version is None:
        return config
    parent = ModelVersion.objects.filter(pk=config.from_version).values_list("config", flat=True)
    recorded = version_outputs(parent.first() or {})
    if recorded is None:
        return config
    layout, classes = recorded
    return dataclasses.replace(
        config,
        classes=[c["name"] for c in classes] if layout.n_classes > 1 else "",
        instance_head=layout.instance or "",
        class_weights=list((parent.first() or {}).get("class_weights") or []),
    )
