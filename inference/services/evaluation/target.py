"""The class an evaluation scores, and the ground truth that cannot say anything about it."""

from __future__ import annotations

from typing import Any

from annotations.models import Project
from cellweb.errors import ConflictError
from inference.class_target import (
    ClassTarget,
    class_target,
    ground_truth_without_target,
    without_target_counts,
)
from inference.models import Evaluation, ModelVersion


def evaluation_target(project: Project, version: ModelVersion | None) -> ClassTarget:
    """The class scored: the one the version learned (recorded at its launch), else the
    project's nucleus class (versions from before label sets, and the baselines alone)."""
    value = (version.config or {}).get("target_value") if version is not None else None
    try:
        return class_target(project, value=value)
    except LookupError as exc:
        raise ConflictError(str(exc), code="no_target_class") from None


def leave_out_without_target(gt_ids: list[int], target: ClassTarget) -> tuple[list[int], int]:
    """Leave out ground truth that holds other classes but not the target; 409 when that is
    all of it (a one-class project has none to leave out)."""
    if target.labels == (target.value,) or not gt_ids:
        return gt_ids, 0
    lacking = ground_truth_without_target(gt_ids, target.value)
    kept = [pk for pk in gt_ids if pk not in lacking]
    if not kept:
        raise ConflictError(
            f"None of the {len(gt_ids)} sections with ground truth in this set holds the class "
            f"“{target.name}” that is scored: their masks hold other classes only.",
            code="no_target_class",
            current=without_target_counts(len(gt_ids), len(lacking), target),
        )
    return kept, len(lacking)


def target_value(evaluation: Evaluation) -> int:
    """The value of the class an evaluation's pages, figures and section lists show (its
    target class; every class has its own rows, the report's per-class tables show them all)."""
    return int(scored_class(evaluation)["value"])


def scored_class(evaluation: Evaluation) -> dict[str, Any]:
    """``{"value", "name"}`` of the class an evaluation scored; evaluations launched before
    label sets scored the nucleus (value 1)."""
    return dict((evaluation.config or {}).get("target") or {"value": 1, "name": "nucleus"})


def evaluation_classes(evaluation: Evaluation) -> list[dict[str, Any]]:
    """``[{"value", "name"}]`` of every class an evaluation scored, in value order (its summary's
    class blocks; an evaluation from before classes scored its target class alone)."""
    blocks = (evaluation.summary or {}).get("classes") or [scored_class(evaluation)]
    return [{"value": int(c["value"]), "name": c["name"]} for c in blocks]


def chosen_class(evaluation: Evaluation, value: str | int | None) -> int:
    """The class a gallery or layer request asks for: ``value`` when the evaluation scored it,
    the target class when ``value`` is None; ``LookupError`` for any other value."""
    if value is None or value == "":
        return target_value(evaluation)
    values = [c["value"] for c in evaluation_classes(evaluation)]
    text = str(value)
    if not text.isdigit() or len(text) > 3 or int(text) not in values:
        raise LookupError(
            f"This evaluation scored the classes {values}; there is no class {text!r}."
        )
    return int(text)
