"""Two evaluations side by side, from their stored summaries and per-section Dice."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from inference.models import Evaluation, EvaluationMethod, SectionResult
from inference.services.evaluation.target import target_value

METRIC_FIELDS = ("dice", "jaccard", "f05", "precision", "recall", "auc_pr")


def _set_block(evaluation: Evaluation, method: str, key: str) -> dict:
    by_method = (evaluation.summary or {}).get("by_method") or {}
    return ((by_method.get(method) or {}).get("set") or {}).get(key) or {}


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
    dice_a = dict(
        SectionResult.objects.filter(
            evaluation=a, method=primary_a, class_value=target_value(a)
        ).values_list("section_id", "dice")
    )
    dice_b = dict(
        SectionResult.objects.filter(
            evaluation=b, method=primary_b, class_value=target_value(b)
        ).values_list("section_id", "dice")
    )
    shared = sorted(set(dice_a) & set(dice_b))
    return {
        "a": a,
        "b": b,
        "method_pairs": pairs_of_methods,
        "primary_a": primary_a,
        "primary_b": primary_b,
        "rows": rows,
        "pairs": [(dice_a[s], dice_b[s]) for s in shared],
        "only_a": len(set(dice_a) - set(dice_b)),
        "only_b": len(set(dice_b) - set(dice_a)),
        "same_set": a.set_kind == b.set_kind
        and a.set_params == b.set_params
        and a.gt_source == b.gt_source,
    }
