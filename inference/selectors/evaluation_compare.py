"""Two evaluations side by side, from their stored summaries and per-section Dice."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from inference.ml.metrics import SECTION_METRIC_KEYS
from inference.models import Evaluation, EvaluationMethod, SectionResult
from inference.services.evaluation.target import target_value

METRIC_FIELDS = SECTION_METRIC_KEYS


def _set_block(evaluation: Evaluation, method: str, key: str) -> dict:
    by_method = (evaluation.summary or {}).get("by_method") or {}
    return ((by_method.get(method) or {}).get("set") or {}).get(key) or {}


def _paired_dice(a: Evaluation, b: Evaluation, method_a: str, method_b: str, values) -> tuple:
    """{section: dice} of A's and B's main method for class ``values`` (one per evaluation)."""
    value_a, value_b = values
    dice_a = dict(
        SectionResult.objects.filter(
            evaluation=a, method=method_a, class_value=value_a
        ).values_list("section_id", "dice")
    )
    dice_b = dict(
        SectionResult.objects.filter(
            evaluation=b, method=method_b, class_value=value_b
        ).values_list("section_id", "dice")
    )
    return dice_a, dice_b


def _class_dice(cls: dict | None, method: str) -> dict:
    block = ((((cls or {}).get("by_method") or {}).get(method) or {}).get("set") or {}).get("dice")
    return block or {}


def class_rows(a: Evaluation, b: Evaluation, method_a: str, method_b: str) -> list[dict]:
    """One row per class scored by A or B (value order): each one's Dice of its main method
    (mean ± SD over sections), and the sections both scored for it, with how many are better
    in B. A binary evaluation has its one class, named."""
    from inference.reports.score_figures import figure_classes

    classes_a = {int(c["value"]): c for c in figure_classes(a, a.summary or {})}
    classes_b = {int(c["value"]): c for c in figure_classes(b, b.summary or {})}
    rows = []
    for value in sorted(set(classes_a) | set(classes_b)):
        dice_a, dice_b = _paired_dice(a, b, method_a, method_b, (value, value))
        shared = set(dice_a) & set(dice_b)
        rows.append(
            {
                "value": value,
                "name": (classes_a.get(value) or classes_b.get(value))["name"],
                "a": _class_dice(classes_a.get(value), method_a),
                "b": _class_dice(classes_b.get(value), method_b),
                "paired": len(shared),
                "better_in_b": sum(1 for s in shared if dice_b[s] > dice_a[s]),
            }
        )
    return rows


def evaluation_compare(*, user, a_id: int, b_id: int) -> dict[str, Any]:
    """Two evaluations side by side: each one's main method (its model, or the edge-based
    method without one) against the other's, then the baselines both ran. Sections are paired
    by id (the same set scores the same sections)."""
    from inference.selectors.evaluation import evaluation_get  # that module imports this one

    a = evaluation_get(user=user, evaluation_id=a_id)
    b = evaluation_get(user=user, evaluation_id=b_id)
    if a.project_id != b.project_id:
        raise Http404("Both evaluations must belong to the same project.")
    methods_a = (a.config or {}).get("methods") or [EvaluationMethod.EDGE]
    methods_b = (b.config or {}).get("methods") or [EvaluationMethod.EDGE]
    pairs_of_methods = [(methods_a[0], methods_b[0])]
    pairs_of_methods += [
        (m, m)
        for m in methods_a
        if m in methods_b and (m, m) != pairs_of_methods[0] and m != "model"
    ]
    rows = [
        {
            "method_a": method_a,
            "method_b": method_b,
            "key": key,
            "a": _set_block(a, method_a, key),
            "b": _set_block(b, method_b, key),
        }
        for method_a, method_b in pairs_of_methods
        for key in METRIC_FIELDS
    ]
    primary_a, primary_b = pairs_of_methods[0]
    dice_a, dice_b = _paired_dice(a, b, primary_a, primary_b, (target_value(a), target_value(b)))
    shared = sorted(set(dice_a) & set(dice_b))
    return {
        "a": a,
        "b": b,
        "method_pairs": pairs_of_methods,
        "primary_a": primary_a,
        "primary_b": primary_b,
        "rows": rows,
        "classes": class_rows(a, b, primary_a, primary_b),
        "pairs": [(dice_a[s], dice_b[s]) for s in shared],
        "only_a": len(set(dice_a) - set(dice_b)),
        "only_b": len(set(dice_b) - set(dice_a)),
        "same_set": a.set_kind == b.set_kind
        and a.set_params == b.set_params
        and a.gt_source == b.gt_source,
    }
