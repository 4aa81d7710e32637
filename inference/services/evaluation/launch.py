"""Launching an evaluation: the one path for the web form, the API and ``manage.py evaluate``.

The set is resolved and checked against the data before anything is written; the plan (which
model scores which specimens and volumes, which ground-truth versions) is recorded on the row,
and the job is queued on the ``gpu`` queue after commit.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from django.utils import timezone

from annotations.models import (
    LABEL_FREE_MODALITIES,
    GroundTruthSource,
    Project,
    Role,
    Volume,
)
from annotations.permissions import require_role
from annotations.services.snapshots import ground_truth_as_of, ground_truth_source_checked
from cellweb.errors import ConflictError, InvalidInput, NotFoundError
from cellweb.jobs import job_cancel, job_launch
from inference.datasets import SnapshotEntry, entries_for_ground_truths
from inference.ml.tiling import tile_size_error
from inference.models import Evaluation, EvaluationMethod, EvaluationSetKind, ModelVersion
from inference.services.channels import require_project_channels
from inference.services.evaluation.labels import scored_classes
from inference.services.evaluation.scoring import BASELINE_PARAMS
from inference.services.evaluation.sets import (
    clean_set_params,
    leave_out_flagged,
    set_plan,
    specimen_dicts,
    stain_shifts_used,
)
from inference.services.evaluation.target import evaluation_target, leave_out_without_target
from inference.services.model_versions import require_segmentation


def _volumes_for(entries: list[SnapshotEntry]) -> dict[int, list[int]]:
    """Volumes to segment per specimen: every label-free volume of the modalities that have
    ground truth, so the other time points of a time-lapse are segmented too."""
    modalities: dict[int, set[str]] = defaultdict(set)
    for e in entries:
        modalities[e.specimen_id].add(e.modality)
    volumes: dict[int, list[int]] = {}
    rows = Volume.objects.filter(
        specimen_id__in=list(modalities), modality__in=LABEL_FREE_MODALITIES
    ).values_list("id", "specimen_id", "modality", "time_index")
    for pk, specimen_id, modality, _time in sorted(rows, key=lambda r: (r[1], r[3], r[0])):
        if modality in modalities[specimen_id]:
            volumes.setdefault(specimen_id, []).append(pk)
    return volumes


def _source_label(source: str) -> str:
    try:
        return GroundTruthSource(source).label.lower()
    except ValueError:
        return source


def _model_info(version: ModelVersion) -> dict[str, Any]:
    return {
        "id": version.pk,
        "name": version.name,
        "arch": version.arch,
        "kind": version.kind,
        "job": version.job_id,
        "input_size": int((version.config or {}).get("input_size") or 448),
    }


def evaluation_launch(
    *,
    project: Project,
    user,
    model_version_id: int | None,
    set_kind: str,
    set_params: dict[str, Any] | None = None,
    gt_source: str | None = None,
    threshold: float = 0.5,
    split_touching: bool = True,
    queue: bool = True,
) -> Evaluation:
    """Check the request against the data, record the plan and queue the job.

    ``split_touching``: separate touching predicted nuclei that would be numbered by connected
    components (binary versions, baselines) by the ground truth's watershed before objects are
    scored (``labels.component_labels``); on by default, the fair comparison with a fluorescence
    ground truth split the same way.

    Raises NotFoundError for a model version that is not in ``project``, InvalidInput for a set
    that is empty or has no ground truth of the chosen source. ``queue=False`` leaves the job
    for ``evaluation_run`` in the caller's process (``manage.py evaluate --wait``).
    """
    if user is not None:
        require_role(user, project, Role.MANAGER)
    if set_kind not in EvaluationSetKind.values:
        raise InvalidInput(
            f"Unknown set “{set_kind}”; choose one of {', '.join(EvaluationSetKind.values)}."
        )
    gt_source = ground_truth_source_checked(gt_source) if gt_source else None
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        raise InvalidInput("The threshold must be a number between 0 and 1.") from None
    if not (math.isfinite(threshold) and 0.0 < threshold < 1.0):
        raise InvalidInput("The threshold must be strictly between 0 and 1 (the paper uses 0.5).")
    if not isinstance(split_touching, bool):
        raise InvalidInput("Separate touching predicted nuclei must be true or false.")
    version = None
    if model_version_id is not None:
        version = (
            ModelVersion.objects.filter(pk=model_version_id, project=project)
            .select_related("snapshot", "job")
            .first()
        )
        if version is None:
            raise NotFoundError(f"No model version {model_version_id} in this project.")
        require_segmentation(version)
        if reason := tile_size_error(version.arch, _model_info(version)["input_size"]):
            raise ConflictError(reason, code="unsupported_input_size")
        require_project_channels(version, project.pk)
    params = clean_set_params(set_kind, set_params)
    plan = set_plan(project, version, set_kind, params, gt_source)

    now = timezone.now()
    all_specimens = sorted({s.pk for unit in plan.units for s in unit.specimens})
    gt_ids = ground_truth_as_of(
        project=project, source=plan.gt_source, as_of=now, specimen_ids=all_specimens
    )
    gt_ids, flagged_out = leave_out_flagged(gt_ids, params)
    target = evaluation_target(project, version)
    gt_ids, without_target = leave_out_without_target(gt_ids, target)
    entries = entries_for_ground_truths(gt_ids)
    if not entries:
        raise ConflictError(
            f"There is no {_source_label(plan.gt_source)} ground truth for the "
            f"{len(all_specimens)} specimen{'s' if len(all_specimens) != 1 else ''} of this set"
            + (
                "; derive it from the paired stain first (Fluorescence ground truth)."
                if plan.gt_source == GroundTruthSource.FLUORESCENCE
                else "; confirm sections in review or choose another ground-truth source."
            ),
            code="no_ground_truth",
        )
    volumes = _volumes_for(entries)
    with_gt = set(volumes)
    units = []
    skipped = []
    for unit in plan.units:
        scored = [s for s in unit.specimens if s.pk in with_gt]
        skipped += [s.name for s in unit.specimens if s.pk not in with_gt]
        units.append(
            {
                "fold": unit.fold,
                "model_version": unit.version.pk if unit.version else None,
                "model_name": unit.version.name if unit.version else None,
                "specimens": specimen_dicts(scored),
                "volumes": [v for s in scored for v in volumes[s.pk]],
            }
        )
    from inference.services.training import code_version

    config = {
        "as_of": now.isoformat(),
        "units": units,
        "model": _model_info(version) if version else None,
        "methods": ([EvaluationMethod.MODEL.value] if version else [])
        + [EvaluationMethod.EDGE.value, EvaluationMethod.OTSU.value],
        "ground_truth_ids": sorted(e.ground_truth_id for e in entries),
        "specimens": sum(len(u["specimens"]) for u in units),
        "volumes": sum(len(u["volumes"]) for u in units),
        "total_sections": sum(
            Volume.objects.filter(pk__in=[v for u in units for v in u["volumes"]]).values_list(
                "size_z", flat=True
            )
        ),
        "skipped_specimens": sorted(skipped),
        "excluded_training": plan.excluded_training,
        "excluded_flagged": flagged_out,
        "stain_shifts": stain_shifts_used([e.ground_truth_id for e in entries]),
        "target": {"value": target.value, "name": target.name},
        "classes": scored_classes(
            project.label_classes, version.config if version else None, target
        ),
        "excluded_without_target": without_target,
        "baselines": BASELINE_PARAMS,
        "code_version": code_version(),
    }
    return job_launch(
        "evaluation",
        Evaluation,
        user=user,
        queue=queue,
        project=project,
        model_version=version,
        set_kind=set_kind,
        set_params=params,
        gt_source=plan.gt_source,
        threshold=threshold,
        split_touching=split_touching,
        config=config,
        sections=len(entries),
        message=f"{len(entries)} sections of {config['specimens']} specimens",
    )


def evaluation_cancel(*, evaluation: Evaluation, user, reason: str | None = None) -> Evaluation:
    """A queued evaluation ends now; a running one stops at its next chunk of sections."""
    return job_cancel("evaluation", job=evaluation, user=user, reason=reason)
