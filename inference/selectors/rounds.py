"""Reads of retrain rounds: the project's rounds, one round beside the one before it, the
learning curve's points and the round settings. Dice comes from the rounds' evaluations, with
the evaluation report's aggregation (mean ± sample SD over sections)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from annotations.models import GroundTruthSource, Project
from annotations.selectors.effort import AGGREGATION as EFFORT_AGGREGATION
from annotations.selectors.effort import effort_summary
from inference.models import (
    EvaluationMethod,
    ModelVersion,
    RetrainRound,
    RoundSettings,
    RoundSourceSwitch,
    RoundState,
)
from inference.reports.labels import AGGREGATIONS, NUCLEUS_DEFINITION
from inference.reports.sections import nucleus_blocks
from inference.services.rounds.source import model_gt_source, series_gt_source

__all__ = [
    "round_comparison",
    "round_list",
    "round_next_source",
    "round_settings",
    "round_source_switches",
    "learning_curve_points",
]

MODEL = EvaluationMethod.MODEL.value


def round_settings(project: Project) -> RoundSettings:
    """The project's settings, or the defaults (unsaved: a GET never writes)."""
    return RoundSettings.objects.filter(project=project).first() or RoundSettings(project=project)


def round_next_source(project: Project) -> dict[str, Any]:
    """The ground truth the next round trains on: ``source`` (none without an active model or a
    round), its ``label``, ``fixed`` (true once round 1 has fixed it for the series) and
    ``switched`` (true when a manager has switched it since)."""
    first = RetrainRound.objects.filter(project=project).order_by("number").first()
    active = ModelVersion.objects.filter(project=project, is_active=True).first()
    if first is None and active is None:
        return {"source": None, "label": "", "fixed": False, "switched": False}
    settings = round_settings(project)
    source = series_gt_source(first, settings) or model_gt_source(active)
    return {
        "source": source,
        "label": GroundTruthSource(source).label,
        "fixed": first is not None,
        "switched": first is not None and bool(settings.gt_source),
    }


def round_source_switches(project: Project) -> list[dict[str, Any]]:
    """The series' source switches, newest first: from what to what, after which round, by whom."""
    return [
        {
            "previous": s.previous,
            "previous_label": s.get_previous_display(),
            "source": s.source,
            "source_label": s.get_source_display(),
            "after_round": s.after_round,
            "switched_by": s.switched_by.get_username() if s.switched_by else None,
            "switched_at": s.switched_at,
        }
        for s in RoundSourceSwitch.objects.filter(project=project).select_related("switched_by")
    ]


def _rounds(project: Project):
    return RetrainRound.objects.filter(project=project).select_related(
        "parent_version", "result_version", "training_job", "evaluation"
    )


def _version(version) -> dict[str, Any] | None:
    if version is None:
        return None
    return {"id": version.pk, "name": version.name, "is_active": version.is_active}


def _row(r: RetrainRound) -> dict[str, Any]:
    return {
        "id": r.pk,
        "number": r.number,
        "state": r.state,
        "state_label": r.get_state_display(),
        "message": r.message,
        "created_at": r.created_at,
        "gt_source": r.gt_source,
        "gt_source_label": r.get_gt_source_display(),
        "gt_sections": r.gt_sections,
        "held_out": [s["name"] for s in r.held_out],
        "parent": _version(r.parent_version),
        "result": _version(r.result_version),
        "training_job": r.training_job_id,
        "training_status": r.training_job.status if r.training_job else None,
        "evaluation": r.evaluation_id,
        "evaluation_status": r.evaluation.status if r.evaluation else None,
        "dice_nucleus": r.dice_nucleus,
        "activated": r.activated,
    }


def round_list(project: Project) -> list[dict[str, Any]]:
    """Every round, newest first, with the change in Dice from the round done before it on the
    same ground truth (a switched source starts its own comparison)."""
    rows = [_row(r) for r in _rounds(project).order_by("number")]
    previous: dict[str, float] = {}
    for row in rows:
        before = previous.get(row["gt_source"])
        row["delta"] = (
            row["dice_nucleus"] - before
            if before is not None and row["dice_nucleus"] is not None
            else None
        )
        if row["state"] == RoundState.DONE and row["dice_nucleus"] is not None:
            previous[row["gt_source"]] = row["dice_nucleus"]
    return rows[::-1]


def learning_curve_points(project: Project) -> list[dict[str, Any]]:
    """(confirmed sections at launch, Dice over held-out sections with a nucleus) per done round
    on the series' present ground truth: a Dice on another source (before a switch) is another
    curve, not a point of this one."""
    first = RetrainRound.objects.filter(project=project).order_by("number").first()
    source = series_gt_source(first, round_settings(project))
    return [
        {"round": n, "gt_sections": sections, "dice": dice}
        for n, sections, dice in _rounds(project)
        .filter(state=RoundState.DONE, dice_nucleus__isnull=False, gt_source=source or "")
        .order_by("number")
        .values_list("number", "gt_sections", "dice_nucleus")
    ]


def _scores(r: RetrainRound) -> dict[str, Any]:
    """Dice of the round's model on its held-out set, over sections with a nucleus and all."""
    evaluation = r.evaluation
    if evaluation is None or evaluation.summary is None:
        return {"nucleus": None, "all": None}
    nucleus = (nucleus_blocks(evaluation, [MODEL]).get(MODEL) or {}).get("set") or {}
    every = (((evaluation.summary.get("by_method") or {}).get(MODEL) or {}).get("set")) or {}
    return {
        "nucleus": nucleus.get("dice") | {"sections": nucleus.get("sections")} if nucleus else None,
        "all": every.get("dice", {}) | {"sections": every.get("sections")} if every else None,
    }


def round_comparison(project: Project, number: int, viewer) -> dict[str, Any]:
    """Round ``number`` beside the round before it: Dice on the same held-out specimens, the
    ground truth each was trained on, and what each round's jobs did (the correction effort as
    ``viewer`` may count it under the blind rule)."""
    if not 0 < number < 2**31:
        raise Http404(f"This project has no round {number}.")
    rounds = {r.number: r for r in _rounds(project).filter(number__in=[number, number - 1])}
    current = rounds.get(number)
    if current is None:
        raise Http404(f"This project has no round {number}.")
    previous = rounds.get(number - 1)
    columns = [c for c in (previous, current) if c is not None]
    scored = {c.number: _scores(c) for c in columns}
    efforts = {row["model_version"]: row for row in effort_summary(project, viewer)}
    return {
        "round": _row(current),
        "previous": _row(previous) if previous else None,
        "columns": [
            _row(c)
            | {
                "scores": scored[c.number],
                # Proposals of the round's model (once it was active) and of the model it
                # started from: did this round save correction time?
                "effort": efforts.get(c.result_version_id),
                "parent_effort": efforts.get(c.parent_version_id),
            }
            for c in columns
        ],
        "no_proposal_effort": efforts.get(None),
        "effort_aggregation": EFFORT_AGGREGATION,
        # The same sections scored against the same ground truth: only then do numbers compare.
        "same_set": previous is None
        or (
            previous.held_out_ids == current.held_out_ids
            and previous.gt_source == current.gt_source
        ),
        "aggregation": AGGREGATIONS["sections"],
        "nucleus_definition": NUCLEUS_DEFINITION,
    }
