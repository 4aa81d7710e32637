"""Which specimens an evaluation scores, with which model: the set kinds and their parameters.

Cross-validation scores each fold's model on that fold's held-out specimens; cross-modality uses
fluorescence ground truth; cross-laboratory scores labs the model never saw; tagged and chosen
sets are what they say. A model never scores the specimens it was trained on unless asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotations.models import GroundTruth, GroundTruthSource, Project, Specimen, Tag
from cellweb.errors import ConflictError, InvalidInput, NotFoundError
from inference.models import EvaluationSetKind, ModelVersion
from inference.services.fluorescence_gt import FLAGGED

SET_PARAM_KEYS = ("lab", "tag", "specimen_ids", "include_training", "exclude_flagged")


# The largest id the API takes (inference.apis.fields.MAX_DB_ID).
MAX_SPECIMEN_ID = 2**62


def clean_set_params(set_kind: str, raw: dict[str, Any] | None) -> dict[str, Any]:
    raw = dict(raw or {})
    unknown = sorted(set(raw) - set(SET_PARAM_KEYS))
    if unknown:
        raise InvalidInput(
            f"Unknown set parameter(s): {', '.join(unknown)}; use {', '.join(SET_PARAM_KEYS)}."
        )
    params: dict[str, Any] = {}
    for key in ("lab", "tag"):
        value = raw.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str) or len(value) > 100:
            raise InvalidInput(f"“{key}” must be a name of at most 100 characters.")
        params[key] = value.strip()
    ids = raw.get("specimen_ids")
    if ids not in (None, "", []):
        if not isinstance(ids, list | tuple) or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_SPECIMEN_ID for i in ids
        ):
            raise InvalidInput("“specimen_ids” must be a list of specimen ids.")
        params["specimen_ids"] = sorted({int(i) for i in ids})
    for key in ("include_training", "exclude_flagged"):
        if raw.get(key) is not None:
            if not isinstance(raw[key], bool):
                raise InvalidInput(f"“{key}” must be true or false.")
            params[key] = raw[key]
    if set_kind == EvaluationSetKind.TAG and "tag" not in params:
        raise InvalidInput("A tagged set needs a tag: set_params.tag.")
    if set_kind == EvaluationSetKind.SPECIMENS and "specimen_ids" not in params:
        raise InvalidInput("A set of chosen specimens needs set_params.specimen_ids.")
    return params


def specimen_dicts(specimens) -> list[dict[str, Any]]:
    return [
        {"id": s.pk, "name": s.name, "lab": s.lab}
        for s in sorted(specimens, key=lambda s: (s.name, s.pk))
    ]


@dataclass
class Unit:
    fold: int
    version: ModelVersion | None
    specimens: list[Specimen]


@dataclass
class SetPlan:
    units: list[Unit]
    gt_source: str
    excluded_training: list[str] = field(default_factory=list)


def _training_ids(version: ModelVersion | None) -> set[int]:
    if version is None:
        return set()
    return {int(s["id"]) for s in version.train_specimens if isinstance(s, dict) and "id" in s}


def _filtered(project: Project, params: dict[str, Any]):
    specimens = Specimen.objects.filter(project=project)
    if "lab" in params:
        specimens = specimens.filter(lab=params["lab"])
    if "tag" in params:
        if not Tag.objects.filter(project=project, name=params["tag"]).exists():
            raise NotFoundError(f"Project “{project.name}” has no tag “{params['tag']}”.")
        specimens = specimens.filter(tags__project=project, tags__name=params["tag"])
    if "specimen_ids" in params:
        wanted = set(params["specimen_ids"])
        known = set(
            Specimen.objects.filter(project=project, pk__in=wanted).values_list("pk", flat=True)
        )
        missing = sorted(wanted - known)
        if missing:
            raise NotFoundError(
                f"Specimens {', '.join(map(str, missing))} are not part of project “{project.name}”."
            )
        specimens = specimens.filter(pk__in=wanted)
    return specimens.distinct()


def set_plan(
    project: Project,
    version: ModelVersion | None,
    set_kind: str,
    params: dict[str, Any],
    gt_source: str | None,
) -> SetPlan:
    if set_kind == EvaluationSetKind.CROSS_VALIDATION:
        if version is None:
            raise InvalidInput(
                "Cross-validation scores each fold's model on its held-out specimens: choose a "
                "model version from a cross-validation job."
            )
        folds = list(
            ModelVersion.objects.filter(job_id=version.job_id, kind="fold", project=project)
            .select_related("fold")
            .order_by("fold__index", "id")
            if version.job_id
            else []
        )
        if not folds:
            raise ConflictError(
                f"“{version.name}” does not come from a cross-validation job with fold models.",
                code="not_cross_validated",
            )
        units = []
        for fold_version in folds:
            ids = [int(s["id"]) for s in fold_version.val_specimens if isinstance(s, dict)]
            # A held-out specimen deleted since training is simply no longer scored.
            specimens = list(Specimen.objects.filter(project=project, pk__in=ids))
            index = fold_version.fold.index if fold_version.fold_id else len(units)
            units.append(Unit(fold=index, version=fold_version, specimens=specimens))
        source = gt_source or (
            version.snapshot.source if version.snapshot_id else GroundTruthSource.CONSENSUS
        )
        return SetPlan(units=units, gt_source=source)

    if set_kind == EvaluationSetKind.CROSS_MODALITY:
        if gt_source not in (None, GroundTruthSource.FLUORESCENCE):
            raise InvalidInput(
                "The cross-modality set is scored against fluorescence ground truth; "
                "leave the ground-truth source empty or choose “fluorescence”."
            )
        source = GroundTruthSource.FLUORESCENCE
        specimens = _filtered(project, params)
    elif set_kind == EvaluationSetKind.CROSS_LAB:
        source = gt_source or GroundTruthSource.CONSENSUS
        if "lab" in params:
            specimens = _filtered(project, params)
        elif version is not None:
            trained = Specimen.objects.filter(pk__in=_training_ids(version))
            labs = set(trained.values_list("lab", flat=True))
            specimens = _filtered(project, params).exclude(lab__in=labs)
            if not specimens.exists():
                raise ConflictError(
                    "Every specimen comes from a lab the model was trained on "
                    f"({', '.join(sorted(labs)) or 'no lab'}); name the lab to score: set_params.lab.",
                    code="no_matching_specimens",
                )
        else:
            raise InvalidInput("A cross-laboratory set needs the lab to score: set_params.lab.")
    else:
        source = gt_source or GroundTruthSource.CONSENSUS
        specimens = _filtered(project, params)

    specimens = list(specimens)
    excluded: list[str] = []
    if version is not None and not params.get("include_training", False):
        trained = _training_ids(version)
        excluded = sorted(s.name for s in specimens if s.pk in trained)
        specimens = [s for s in specimens if s.pk not in trained]
    if not specimens:
        reason = (
            " (the model was trained on all of them; set include_training to score them anyway)"
            if excluded
            else ""
        )
        raise ConflictError(f"No specimen matches this set{reason}.", code="no_matching_specimens")
    return SetPlan(
        units=[Unit(fold=-1, version=version, specimens=specimens)],
        gt_source=source,
        excluded_training=excluded,
    )


def leave_out_flagged(
    ground_truth_ids: list[int], params: dict[str, Any]
) -> tuple[list[int], list[dict[str, Any]]]:
    """With ``exclude_flagged``, drop the fluorescence ground truths whose quality flag says the
    stain and the mask disagree (``inference.ml.fluorescence.QUALITY_FLAGS``). Returns the ids
    kept and, for the record, each section left out with its flag."""
    if not params.get("exclude_flagged"):
        return ground_truth_ids, []
    flagged = (
        GroundTruth.objects.filter(
            FLAGGED, pk__in=ground_truth_ids, source=GroundTruthSource.FLUORESCENCE
        )
        .order_by("section_id")
        .values_list("pk", "section_id", "params__quality")
    )
    left_out = {pk: (section_id, flag) for pk, section_id, flag in flagged}
    kept = [pk for pk in ground_truth_ids if pk not in left_out]
    return kept, [{"section": sid, "flag": flag} for sid, flag in left_out.values()]


def stain_shifts_used(ground_truth_ids: list[int]) -> list[dict[str, int]]:
    """The stain shifts behind the fluorescence ground truths scored, with how many sections
    each: ``[{"dy", "dx", "sections"}]``, most sections first. A mask derived before shifts
    existed was derived unshifted (0, 0)."""
    counts: dict[tuple[int, int], int] = {}
    for shift in GroundTruth.objects.filter(
        pk__in=ground_truth_ids, source=GroundTruthSource.FLUORESCENCE
    ).values_list("params__stain_shift", flat=True):
        key = (int(shift[0]), int(shift[1])) if shift else (0, 0)
        counts[key] = counts.get(key, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"dy": dy, "dx": dx, "sections": n} for (dy, dx), n in ranked]
