"""The ground truth a round series trains and scores on.

The project's first round fixes it, with the held-out specimens: a Dice on imported expert masks
and a Dice on confirmed consensus are not the same number, so rounds of one series keep one
source. Before any round it defaults to the source the active model was trained on (recorded in
its training configuration, else in its ground-truth snapshot), so a lab whose ground truth is
imported masks or fluorescence-derived keeps training on it. A manager may switch the series'
source later (``switch.py``, recorded in ``RoundSourceSwitch``); the held-out specimens stay.
"""

from __future__ import annotations

from annotations.models import GroundTruthSource
from annotations.services.snapshots import ground_truth_source_checked
from cellweb.errors import ConflictError
from inference.models import ModelVersion, RetrainRound, RoundSettings

__all__ = ["model_gt_source", "round_gt_source", "series_gt_source"]


def _label(source: str) -> str:
    return GroundTruthSource(source).label.lower()


def model_gt_source(version: ModelVersion) -> str:
    """The source ``version`` was trained on; consensus for a version that does not say (one
    imported from a file)."""
    source = (version.config or {}).get("gt_source")
    if source in GroundTruthSource.values:
        return source
    if version.snapshot_id and version.snapshot.source in GroundTruthSource.values:
        return version.snapshot.source
    return GroundTruthSource.CONSENSUS


def series_gt_source(first: RetrainRound | None, settings: RoundSettings | None) -> str | None:
    """The source of the project's round series: as a manager last switched it, else as round 1
    fixed it; None before any round."""
    if first is None:
        return None
    return (settings.gt_source if settings is not None else "") or first.gt_source


def round_gt_source(
    *,
    parent: ModelVersion,
    first: RetrainRound | None,
    requested: str | None = None,
    settings: RoundSettings | None = None,
) -> str:
    """The next round's source: the series' (round 1's, or as a manager switched it) once there
    is one, else ``requested``, else the parent's own. 400 for an unknown source; 409
    ``round_source_fixed`` when ``requested`` differs from the series'."""
    requested = ground_truth_source_checked(requested) if requested else None
    series = series_gt_source(first, settings)
    if series is None:
        return requested or model_gt_source(parent)
    if requested is not None and requested != series:
        fixed = (
            "a manager switched it on the Rounds page"
            if settings is not None and settings.gt_source
            else f"round {first.number} fixed it with the held-out specimens"
        )
        raise ConflictError(
            f"This project's rounds train and score on {_label(series)} ground truth: "
            f"{fixed}, so that every round's Dice compares. A round on {_label(requested)} "
            "ground truth would not; a manager can switch the series' source on the Rounds "
            "page, or fine-tune on it from the Training page (start from the active model).",
            code="round_source_fixed",
        )
    return series
