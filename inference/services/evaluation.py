"""Evaluations: a model version (or none) x a specimen set x a ground-truth source.

``evaluation_launch`` is the one path for the web form, the API and ``manage.py evaluate``: it
resolves the set and checks it has ground truth before anything is written, records the plan
(which model scores which specimens, which ground-truth versions) and queues one Celery task on
the ``gpu`` queue after commit.

``evaluation_run`` segments whole volumes section by section, batched (``predict_volume``), so a
tomogram becomes a 3D mask; the paper's edge-based method and Otsu always run beside the model.
For cross-validation each fold's model scores its own held-out specimens. Per section: Dice,
Jaccard, F0.5, precision and recall at the threshold, and AUC-PR from the probabilities. The
baselines output a binary mask, so their "probability" is 0 or 1 and their AUC-PR is the average
precision of that two-level score, ``R·P + (1 − R)·prevalence`` (precision and recall at the
mask, then everything): a fair threshold-free number for a method without a score. Per volume,
over the sections with ground truth: predicted and GT nucleus volume (µm³), their difference,
the volume intersection ratio and 3D Dice; objects (Hungarian matching at IoU 0.7, paper 003's
F.N./F.P. rates, split and merge, mAP over IoU 0.50:0.05:0.95); per nucleus of the whole
predicted volume: volume, surface area, mean RI and concentration (paper 001). Every number is
stored, every aggregate is computed once into ``Evaluation.summary``, and the report is rendered
from what is stored.

Live progress goes to ``job_group("evaluation", id)`` with the training page's event shapes
(``progress`` with ``fold: -1``, ``fold_status``, ``job_status``), each with a growing ``seq``.
"""

from __future__ import annotations

import io
import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import tifffile
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from annotations.imaging.masks import decode_mask
from annotations.imaging.ri import decode_ri
from annotations.models import (
    LABEL_FREE_MODALITIES,
    GroundTruth,
    GroundTruthSource,
    Modality,
    Project,
    Role,
    Specimen,
    Tag,
    Volume,
)
from annotations.permissions import require_role
from annotations.services.snapshots import ground_truth_as_of
from annotations.services.volumes import volume_array
from cellweb.errors import ConflictError, InvalidInput, NotAllowed, NotFoundError
from cellweb.events import job_group, send_now
from cellweb.jobs import FINAL_STATUSES, JobRunner, JobStatus
from inference.datasets import SnapshotEntry, entries_for_ground_truths
from inference.ml.baselines import edge_based, edge_based_params, otsu
from inference.ml.device import device_description, pick_device
from inference.ml.infer import predict_volume
from inference.ml.metrics import aggregate, batch_section_metrics, volume_metrics
from inference.ml.objects import label_instances, match_instances, mean_average_precision
from inference.ml.quantities import nucleus_quantities
from inference.models import (
    Evaluation,
    EvaluationMethod,
    EvaluationSetKind,
    ModelVersion,
    SectionResult,
    VolumeResult,
)

logger = logging.getLogger(__name__)

__all__ = [
    "BASELINE_PARAMS",
    "METRIC_KEYS",
    "SET_PARAM_KEYS",
    "current_event_seq",
    "evaluation_cancel",
    "evaluation_launch",
    "evaluation_mark_stale",
    "evaluation_run",
]

METRIC_KEYS = ("dice", "jaccard", "f05", "precision", "recall", "auc_pr")
VOLUME_KEYS = (
    "dice_3d",
    "jaccard_3d",
    "intersection_ratio",
    "volume_difference_um3",
    "volume_difference_pct",
)
SET_PARAM_KEYS = ("lab", "tag", "specimen_ids", "include_training")
OTSU_PARAMS = {"min_size": 64, "fill_holes": True}
BASELINE_PARAMS = {"edge": edge_based_params().to_dict(), "otsu": OTSU_PARAMS}
PR_POINTS = 101
CHUNK_SECTIONS = 16
PROGRESS_INTERVAL_S = 0.25
MAX_NUCLEI = 10
MIN_NUCLEUS_VOXELS = 27


# ---------------------------------------------------------------------------------------------
# Events


def _seq_key(evaluation_id: int) -> str:
    return f"evaluation-seq:{evaluation_id}"


def next_event_seq(evaluation_id: int) -> int:
    """A number that only grows per evaluation, shared through the cache (starts from the clock
    in ms so a lost counter still hands out larger numbers)."""
    key = _seq_key(evaluation_id)
    for _ in range(3):
        cache.add(key, int(time.time() * 1000), timeout=30 * 24 * 3600)
        try:
            return int(cache.incr(key))
        except ValueError:
            continue
    return int(time.time() * 1000)


def current_event_seq(evaluation_id: int) -> int:
    return int(cache.get(_seq_key(evaluation_id)) or 0)


def _emit(evaluation_id: int, event: dict[str, Any]) -> None:
    def send() -> None:
        send_now(
            job_group("evaluation", evaluation_id), {**event, "seq": next_event_seq(evaluation_id)}
        )

    transaction.on_commit(send)


def _emit_status(evaluation: Evaluation) -> None:
    _emit(
        evaluation.pk,
        {
            "type": "fold_status",
            "fold": -1,
            "status": evaluation.status,
            "error": evaluation.error or None,
        },
    )
    _emit(
        evaluation.pk,
        {
            "type": "job_status",
            "status": evaluation.status,
            "summary": _job_summary(evaluation.summary),
            "error": evaluation.error or None,
        },
    )


def _job_summary(summary: dict | None) -> dict | None:
    """The part of the summary the live job page shows (its ``metrics`` table)."""
    if not summary:
        return None
    return {"metrics": summary.get("metrics") or {}}


# ---------------------------------------------------------------------------------------------
# Launch


def _clean_set_params(set_kind: str, raw: dict[str, Any] | None) -> dict[str, Any]:
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
            isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**62 for i in ids
        ):
            raise InvalidInput("“specimen_ids” must be a list of specimen ids.")
        params["specimen_ids"] = sorted({int(i) for i in ids})
    if raw.get("include_training") is not None:
        if not isinstance(raw["include_training"], bool):
            raise InvalidInput("“include_training” must be true or false.")
        params["include_training"] = raw["include_training"]
    if set_kind == EvaluationSetKind.TAG and "tag" not in params:
        raise InvalidInput("A tagged set needs a tag: set_params.tag.")
    if set_kind == EvaluationSetKind.SPECIMENS and "specimen_ids" not in params:
        raise InvalidInput("A set of chosen specimens needs set_params.specimen_ids.")
    return params


def _specimen_dicts(specimens) -> list[dict[str, Any]]:
    return [
        {"id": s.pk, "name": s.name, "lab": s.lab}
        for s in sorted(specimens, key=lambda s: (s.name, s.pk))
    ]


@dataclass
class _Unit:
    fold: int
    version: ModelVersion | None
    specimens: list[Specimen]


@dataclass
class _Plan:
    units: list[_Unit]
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
            raise InvalidInput(f"Project “{project.name}” has no tag “{params['tag']}”.")
        specimens = specimens.filter(tags__project=project, tags__name=params["tag"])
    if "specimen_ids" in params:
        wanted = set(params["specimen_ids"])
        known = set(
            Specimen.objects.filter(project=project, pk__in=wanted).values_list("pk", flat=True)
        )
        missing = sorted(wanted - known)
        if missing:
            raise InvalidInput(
                f"Specimens {', '.join(map(str, missing))} are not part of project “{project.name}”."
            )
        specimens = specimens.filter(pk__in=wanted)
    return specimens.distinct()


def _plan(
    project: Project,
    version: ModelVersion | None,
    set_kind: str,
    params: dict[str, Any],
    gt_source: str | None,
) -> _Plan:
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
            raise InvalidInput(
                f"“{version.name}” does not come from a cross-validation job with fold models."
            )
        units = []
        for fold_version in folds:
            ids = [int(s["id"]) for s in fold_version.val_specimens if isinstance(s, dict)]
            # A held-out specimen deleted since training is simply no longer scored.
            specimens = list(Specimen.objects.filter(project=project, pk__in=ids))
            index = fold_version.fold.index if fold_version.fold_id else len(units)
            units.append(_Unit(fold=index, version=fold_version, specimens=specimens))
        source = gt_source or (
            version.snapshot.source if version.snapshot_id else GroundTruthSource.CONSENSUS
        )
        return _Plan(units=units, gt_source=source)

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
                raise InvalidInput(
                    "Every specimen comes from a lab the model was trained on "
                    f"({', '.join(sorted(labs)) or 'no lab'}); name the lab to score: set_params.lab."
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
        raise InvalidInput(f"No specimen matches this set{reason}.")
    return _Plan(
        units=[_Unit(fold=-1, version=version, specimens=specimens)],
        gt_source=source,
        excluded_training=excluded,
    )


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
    queue: bool = True,
) -> Evaluation:
    """Check the request against the data, record the plan and queue the job.

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
    if gt_source in ("", None):
        gt_source = None
    elif gt_source not in GroundTruthSource.values:
        raise InvalidInput(
            f"Unknown ground-truth source “{gt_source}”; choose one of "
            f"{', '.join(GroundTruthSource.values)}."
        )
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        raise InvalidInput("The threshold must be a number between 0 and 1.") from None
    if not (math.isfinite(threshold) and 0.0 < threshold < 1.0):
        raise InvalidInput("The threshold must be strictly between 0 and 1 (the paper uses 0.5).")
    version = None
    if model_version_id is not None:
        version = (
            ModelVersion.objects.filter(pk=model_version_id, project=project)
            .select_related("snapshot", "job")
            .first()
        )
        if version is None:
            raise NotFoundError(f"No model version {model_version_id} in this project.")
    params = _clean_set_params(set_kind, set_params)
    plan = _plan(project, version, set_kind, params, gt_source)

    now = timezone.now()
    all_specimens = sorted({s.pk for unit in plan.units for s in unit.specimens})
    gt_ids = ground_truth_as_of(
        project=project, source=plan.gt_source, as_of=now, specimen_ids=all_specimens
    )
    entries = entries_for_ground_truths(gt_ids)
    if not entries:
        raise InvalidInput(
            f"There is no {_source_label(plan.gt_source)} ground truth for the "
            f"{len(all_specimens)} specimen{'s' if len(all_specimens) != 1 else ''} of this set"
            + (
                "; derive it from the paired stain first (Fluorescence ground truth)."
                if plan.gt_source == GroundTruthSource.FLUORESCENCE
                else "; confirm sections in review or choose another ground-truth source."
            )
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
                "specimens": _specimen_dicts(scored),
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
        "baselines": BASELINE_PARAMS,
        "code_version": code_version(),
    }
    with transaction.atomic():
        evaluation = Evaluation(
            project=project,
            created_by=user if getattr(user, "is_authenticated", False) else None,
            model_version=version,
            set_kind=set_kind,
            set_params=params,
            gt_source=plan.gt_source,
            threshold=threshold,
            config=config,
            sections=len(entries),
            message=f"{len(entries)} sections of {config['specimens']} specimens",
        )
        evaluation.full_clean()
        evaluation.save()
        if queue:
            transaction.on_commit(lambda: _queue(evaluation.pk))
    return evaluation


def _queue(evaluation_id: int) -> None:
    from inference.tasks import evaluation_run_task

    try:
        evaluation_run_task.delay(evaluation_id)
    except Exception as exc:  # broker down: say so instead of leaving the job queued forever
        logger.exception("Could not queue evaluation %s", evaluation_id)
        Evaluation.objects.filter(pk=evaluation_id, status=JobStatus.QUEUED).update(
            status=JobStatus.FAILED,
            error=f"The task queue could not be reached: {exc}",
            finished_at=timezone.now(),
        )


# ---------------------------------------------------------------------------------------------
# Cancel and staleness


def evaluation_cancel(*, evaluation: Evaluation, user) -> Evaluation:
    """A queued evaluation ends now; a running one stops at its next chunk of sections."""
    if user is not None:
        held = require_role(user, evaluation.project)
        if Role.MANAGER not in held and evaluation.created_by_id != user.pk:
            raise NotAllowed("Only a manager or the person who launched it can cancel it.")
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if locked.status in FINAL_STATUSES:
            raise ConflictError(
                f"This evaluation has already ended ({locked.status}).",
                current={"status": locked.status},
            )
        locked.cancel_requested = True
        fields = ["cancel_requested"]
        if locked.status == JobStatus.QUEUED:
            locked.status = JobStatus.CANCELLED
            locked.finished_at = timezone.now()
            fields += ["status", "finished_at"]
        else:
            locked.message = "cancelling"
            fields.append("message")
        locked.save(update_fields=fields)
        if locked.status == JobStatus.CANCELLED:
            _emit_status(locked)
    return locked


def evaluation_mark_stale(evaluation: Evaluation) -> bool:
    """Fail a running evaluation whose worker stopped sending heartbeats."""
    if not evaluation.is_stale():
        return False
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if not locked.is_stale():
            return False
        silent = int((timezone.now() - locked.heartbeat_at).total_seconds())
        locked.status = JobStatus.FAILED
        locked.finished_at = timezone.now()
        locked.error = f"The worker stopped responding (no heartbeat for {silent} s)."
        locked.save(update_fields=["status", "finished_at", "error"])
        _emit_status(locked)
    evaluation.refresh_from_db()
    return True


# ---------------------------------------------------------------------------------------------
# Running


def _clean(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


class _PRAccumulator:
    """Pooled precision-recall counts over all scored pixels, at PR_POINTS thresholds
    (pixel positive at t when p > t, as in ``metrics.pr_curve``)."""

    def __init__(self) -> None:
        self.thresholds = np.linspace(0.0, 1.0, PR_POINTS)
        self.pos = np.zeros(PR_POINTS + 1, dtype=np.int64)
        self.neg = np.zeros(PR_POINTS + 1, dtype=np.int64)

    def add(self, probs: np.ndarray, truth: np.ndarray) -> None:
        below = np.searchsorted(self.thresholds, probs.ravel(), side="left")
        t = truth.ravel()
        self.pos += np.bincount(below[t], minlength=PR_POINTS + 1)
        self.neg += np.bincount(below[~t], minlength=PR_POINTS + 1)

    def curve(self) -> dict[str, list]:
        tp = np.cumsum(self.pos[::-1])[::-1][1:]
        fp = np.cumsum(self.neg[::-1])[::-1][1:]
        total = int(self.pos.sum())
        precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 1.0)
        recall = tp / total if total else np.full(PR_POINTS, np.nan)
        pixels = total + int(self.neg.sum())
        return {
            "thresholds": [round(float(t), 4) for t in self.thresholds],
            "precision": [_clean(round(float(p), 6)) for p in precision],
            "recall": [_clean(round(float(r), 6)) if total else None for r in recall],
            "positives": total,
            "pixels": pixels,
            # Everything predicted: the curve's other end (recall 1 at the prevalence).
            "prevalence": round(total / pixels, 6) if pixels else None,
        }


def _ri(volume: Volume, array: np.ndarray) -> np.ndarray:
    return decode_ri(array)


def _nuclei(mask: np.ndarray, volume: Volume, ri: np.ndarray | None) -> list[dict[str, Any]]:
    """Quantities of the largest nuclei of a 3D mask (RI volumes with a voxel size only)."""
    voxel = volume.voxel_size
    if ri is None or voxel is None or not mask.any():
        return []
    labels = label_instances(mask)
    sizes = np.bincount(labels.ravel())[1:]
    keep = [
        int(i) + 1 for i in np.argsort(sizes)[::-1][:MAX_NUCLEI] if sizes[i] >= MIN_NUCLEUS_VOXELS
    ]
    if not keep:
        return []
    kept = np.where(np.isin(labels, keep), labels, 0)
    rows = nucleus_quantities(kept, ri, voxel)
    out = []
    for row in sorted(rows, key=lambda r: -r["voxel_count"]):
        out.append(
            {
                "label": row["label"],
                "voxel_count": row["voxel_count"],
                "volume_um3": _clean(row["volume_um3"]),
                "surface_area_um2": _clean(row["surface_area_um2"]),
                "mean_ri": _clean(row["mean_ri"]),
                "concentration_pg_per_um3": _clean(row["concentration_pg_per_um3"]),
                "centroid_um": [_clean(c) for c in row["centroid_um"]],
            }
        )
    return out


def _objects(pred: np.ndarray, gt: np.ndarray) -> dict[str, Any]:
    pred_labels = label_instances(pred)
    gt_labels = label_instances(gt)
    match = match_instances(pred_labels, gt_labels, 0.7)
    return {
        "n_gt": match.n_gt,
        "n_pred": match.n_pred,
        "correct": match.correct_detections,
        "incorrect": match.incorrect_detections,
        "false_negatives": match.false_negatives,
        "false_positives": match.false_positives,
        "fn_rate": _clean(match.false_negative_rate),
        "fp_rate": _clean(match.false_positive_rate),
        "split": match.split_count,
        "merge": match.merge_count,
        "catastrophe": match.catastrophe_count,
        "map": _clean(mean_average_precision(pred_labels, gt_labels)),
    }


def _tiff_bytes(mask: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    tifffile.imwrite(
        buffer,
        np.ascontiguousarray(mask, dtype=np.uint8) * np.uint8(255),
        compression="zlib",
        photometric="minisblack",
        metadata={"axes": "ZYX"},
    )
    return buffer.getvalue()


class _Runner:
    def __init__(
        self,
        evaluation: Evaluation,
        runner: JobRunner,
        device,
        report: Callable[[str], None],
    ):
        self.evaluation = evaluation
        self.runner = runner
        self.device = device
        self.report = report
        self.config = evaluation.config
        self.threshold = float(evaluation.threshold)
        self.methods = list(self.config.get("methods") or [])
        self.pr = {m: _PRAccumulator() for m in self.methods}
        self.done = 0
        self.total = 0
        self.started = time.monotonic()
        self.last_progress = 0.0

    # -- progress

    def progress(self, sections: int, message: str) -> None:
        self.done += sections
        now = time.monotonic()
        if self.done < self.total and now - self.last_progress < PROGRESS_INTERVAL_S:
            return
        self.last_progress = now
        elapsed = now - self.started
        eta = elapsed / self.done * (self.total - self.done) if self.done else None
        self.runner.heartbeat(progress=self.done / max(self.total, 1), message=message)
        _emit(
            self.evaluation.pk,
            {
                "type": "progress",
                "fold": -1,
                "batch": self.done,
                "batches": self.total,
                "eta_s": _clean(eta),
            },
        )

    # -- work

    def run(self) -> dict[str, Any]:
        entries = entries_for_ground_truths(self.config.get("ground_truth_ids") or [])
        by_volume: dict[int, dict[int, SnapshotEntry]] = defaultdict(dict)
        for e in entries:
            by_volume[e.volume_id][e.z] = e
        volume_ids = [v for unit in self.config["units"] for v in unit["volumes"]]
        volumes = Volume.objects.select_related("specimen").in_bulk(volume_ids)
        self.total = sum(volumes[v].size_z for v in volume_ids if v in volumes)
        self.runner.heartbeat(progress=0.0, message=f"0 of {self.total} sections")
        for unit in self.config["units"]:
            model, input_size = None, 448
            if unit["model_version"] is not None:
                version = ModelVersion.objects.filter(pk=unit["model_version"]).first()
                if version is None:
                    raise InvalidInput(
                        f"Model version {unit['model_version']} was deleted after launch."
                    )
                from inference.services.model_versions import model_version_load

                model, meta = model_version_load(version, device=self.device)
                input_size = int(
                    meta.get("input_size") or (version.config or {}).get("input_size") or 448
                )
            for volume_id in unit["volumes"]:
                volume = volumes.get(volume_id)
                if volume is None:
                    continue
                self.volume(volume, unit["fold"], model, input_size, by_volume.get(volume_id, {}))
        summary = summarize(self.evaluation, pr_curves={m: a.curve() for m, a in self.pr.items()})
        self.evaluation.summary = summary
        self.evaluation.save(update_fields=["summary"])
        from inference.services.reports import report_write

        figures = report_write(self.evaluation)
        return {"sections": self.evaluation.sections, "figures": figures}

    def volume(
        self,
        volume: Volume,
        fold: int,
        model,
        input_size: int,
        truths: dict[int, SnapshotEntry],
    ) -> None:
        array = volume_array(volume)
        z_count = volume.size_z
        label = f"{volume.specimen.name} t{volume.time_index}"
        scores: dict[str, np.ndarray] = {}
        if model is not None:
            scores["model"] = np.empty(volume.shape, dtype=np.float32)
        edge = np.zeros(volume.shape, dtype=bool)
        otsu_masks = np.zeros(volume.shape, dtype=bool)
        batch = 32 if self.device.type == "cuda" else 8
        for start in range(0, z_count, CHUNK_SECTIONS):
            stop = min(start + CHUNK_SECTIONS, z_count)
            chunk = np.array(array[start:stop], dtype=np.float32)
            if model is not None:
                scores["model"][start:stop] = predict_volume(
                    model,
                    chunk,
                    input_size=input_size,
                    batch_size=batch,
                    device=self.device,
                    modality=volume.modality,
                )
            for offset, section in enumerate(chunk):
                edge[start + offset] = edge_based(section)
                otsu_masks[start + offset] = otsu(section, **OTSU_PARAMS)
            self.progress(stop - start, f"{label}: section {stop} of {z_count}")
        scores["edge"] = edge
        scores["otsu"] = otsu_masks

        zs = sorted(truths)
        gt_rows = GroundTruth.objects.only("id", "mask_png").in_bulk(
            [truths[z].ground_truth_id for z in zs]
        )
        shape = (volume.size_y, volume.size_x)
        gt_stack = np.zeros((len(zs), *shape), dtype=bool)
        for i, z in enumerate(zs):
            gt_stack[i] = decode_mask(bytes(gt_rows[truths[z].ground_truth_id].mask_png), shape)
        complete = len(zs) == z_count
        ri = _ri(volume, array) if volume.modality == Modality.RI else None
        gt_nuclei = _nuclei(gt_stack, volume, ri) if complete and zs else []

        section_rows: list[SectionResult] = []
        for method in self.methods:
            score = scores[method]
            predicted = score > self.threshold if method == "model" else score
            if zs:
                probs = score[zs] if method == "model" else score[zs].astype(np.float32)
                per_section = batch_section_metrics(probs, gt_stack, self.threshold)
                self.pr[method].add(probs, gt_stack)
                for z, metrics in zip(zs, per_section):
                    entry = truths[z]
                    section_rows.append(
                        SectionResult(
                            evaluation=self.evaluation,
                            section_id=entry.section_id,
                            specimen_id=entry.specimen_id,
                            volume_id=volume.pk,
                            ground_truth_id=entry.ground_truth_id,
                            method=method,
                            fold_index=fold,
                            z=z,
                            dice=metrics["dice"],
                            jaccard=metrics["jaccard"],
                            f05=metrics["f05"],
                            precision=metrics["precision"],
                            recall=metrics["recall"],
                            auc_pr=_clean(metrics["auc_pr"]),
                            gt_pixels=metrics["gt_pixels"],
                            pred_pixels=metrics["pred_pixels"],
                            tp=metrics["tp"],
                            fp=metrics["fp"],
                            fn=metrics["fn"],
                        )
                    )
            self.volume_result(
                volume, method, fold, predicted, zs, gt_stack, ri, gt_nuclei, z_count
            )
        SectionResult.objects.bulk_create(section_rows, batch_size=500)
        self.runner.heartbeat()

    def volume_result(
        self,
        volume: Volume,
        method: str,
        fold: int,
        predicted: np.ndarray,
        zs: list[int],
        gt_stack: np.ndarray,
        ri: np.ndarray | None,
        gt_nuclei: list,
        z_count: int,
    ) -> None:
        row = VolumeResult(
            evaluation=self.evaluation,
            volume=volume,
            specimen_id=volume.specimen_id,
            method=method,
            fold_index=fold,
            time_index=volume.time_index,
            gt_sections=len(zs),
            total_sections=z_count,
            gt_nuclei=gt_nuclei,
        )
        if zs:
            sub = predicted[zs]
            voxel = volume.voxel_size
            if voxel is not None:
                vm = volume_metrics(sub, gt_stack, voxel)
                row.pred_volume_um3 = _clean(vm["pred_volume_um3"])
                row.gt_volume_um3 = _clean(vm["gt_volume_um3"])
                row.volume_difference_um3 = _clean(vm["volume_difference_um3"])
                row.volume_difference_pct = _clean(vm["volume_difference_pct"])
                row.intersection_ratio = _clean(vm["volume_intersection_ratio"])
                row.dice_3d = _clean(vm["dice_3d"])
                row.jaccard_3d = _clean(vm["jaccard_3d"])
            else:
                vm = volume_metrics(sub, gt_stack, (1.0, 1.0, 1.0))
                row.intersection_ratio = _clean(vm["volume_intersection_ratio"])
                row.dice_3d = _clean(vm["dice_3d"])
                row.jaccard_3d = _clean(vm["jaccard_3d"])
            row.object_metrics = _objects(sub, gt_stack)
        if method == "model" or "model" not in self.methods:
            row.nuclei = _nuclei(predicted, volume, ri)
        name = f"volume{volume.pk}-{method}.tif"
        row.pred_mask.save(name, ContentFile(_tiff_bytes(predicted)), save=False)
        try:
            row.save()
        except BaseException:
            row.pred_mask.storage.delete(row.pred_mask.name)
            raise


def _on_change_factory(evaluation: Evaluation) -> Callable[[Evaluation], None]:
    last = {"status": evaluation.status}

    def on_change(job: Evaluation) -> None:
        if job.status != last["status"]:
            last["status"] = job.status
            _emit_status(job)

    return on_change


def _delete_results(evaluation: Evaluation) -> None:
    for name in VolumeResult.objects.filter(evaluation=evaluation).values_list(
        "pred_mask", flat=True
    ):
        if name:
            VolumeResult._meta.get_field("pred_mask").storage.delete(name)
    VolumeResult.objects.filter(evaluation=evaluation).delete()
    SectionResult.objects.filter(evaluation=evaluation).delete()


def evaluation_run(
    *,
    evaluation_id: int,
    device: str | None = None,
    worker: str = "",
    report: Callable[[str], None] | None = None,
) -> Evaluation | None:
    """Run (or re-run after a lost worker) one evaluation to a final state."""
    report = report or (lambda line: None)
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().filter(pk=evaluation_id).first()
        if evaluation is None or evaluation.status in FINAL_STATUSES:
            return evaluation
        if evaluation.status == JobStatus.RUNNING and not evaluation.is_stale():
            return evaluation  # a duplicate delivery while the first run is alive
        if evaluation.cancel_requested:
            evaluation.status = JobStatus.CANCELLED
            evaluation.finished_at = timezone.now()
            evaluation.save(update_fields=["status", "finished_at"])
            _emit_status(evaluation)
            return evaluation
        retried = evaluation.status == JobStatus.RUNNING
        evaluation.status = JobStatus.RUNNING
        evaluation.started_at = timezone.now()
        evaluation.heartbeat_at = evaluation.started_at
        evaluation.save(update_fields=["status", "started_at", "heartbeat_at"])
    _emit_status(evaluation)
    _delete_results(evaluation)
    torch_device = pick_device(device)
    runner = JobRunner(evaluation, on_change=_on_change_factory(evaluation))
    where = (
        f"{worker} ({device_description(torch_device)})"
        if worker
        else device_description(torch_device)
    )
    runner.log(("Restarted" if retried else "Started") + f" on {where}.")

    def work(job_runner: JobRunner) -> dict[str, Any]:
        return _Runner(evaluation, job_runner, torch_device, report).run()

    runner.run(work)
    evaluation.refresh_from_db()
    if evaluation.status != JobStatus.SUCCEEDED:
        _delete_results(evaluation)
    return evaluation


# ---------------------------------------------------------------------------------------------
# Summary


def _stats(values: list[float | None]) -> dict[str, Any]:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    mean, std = aggregate(finite) if finite else (math.nan, math.nan)
    return {"mean": _clean(mean), "std": _clean(std), "n": len(finite)}


def _metric_block(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: _stats([r[key] for r in rows]) for key in METRIC_KEYS} | {"sections": len(rows)}


def _method_label(method: str) -> str:
    return dict(EvaluationMethod.choices).get(method, method)


def summarize(
    evaluation: Evaluation, *, pr_curves: dict[str, dict] | None = None
) -> dict[str, Any]:
    """Every aggregate the report shows, from the stored rows (mean ± sample SD).

    Per method: over all sections of the set, per fold (and mean ± SD of the fold means, the
    paper's way), per lab; per volume (3D); objects pooled over volumes; time-lapse series.
    """
    methods = list((evaluation.config or {}).get("methods") or [])
    primary = methods[0] if methods else "edge"
    rows = list(
        SectionResult.objects.filter(evaluation=evaluation).values(
            "method", "fold_index", "specimen__lab", *METRIC_KEYS
        )
    )
    by_method: dict[str, Any] = {}
    for method in methods:
        mine = [r for r in rows if r["method"] == method]
        folds: dict[int, list] = defaultdict(list)
        labs: dict[str, list] = defaultdict(list)
        for r in mine:
            folds[r["fold_index"]].append(r)
            labs[r["specimen__lab"] or "—"].append(r)
        fold_blocks = {str(k): _metric_block(v) for k, v in sorted(folds.items())}
        fold_means = {}
        if len(folds) > 1 or (folds and -1 not in folds):
            for key in METRIC_KEYS:
                per_fold = [fold_blocks[str(k)][key]["mean"] for k in sorted(folds)]
                fold_means[key] = _stats(per_fold) | {"per_fold": per_fold}
        by_method[method] = {
            "label": _method_label(method),
            "set": _metric_block(mine),
            "folds": fold_blocks,
            "fold_means": fold_means,
            "labs": {k: _metric_block(v) for k, v in sorted(labs.items())},
        }

    volume_rows = list(
        VolumeResult.objects.filter(evaluation=evaluation)
        .select_related("specimen")
        .order_by("specimen__name", "time_index", "volume_id", "method")
    )
    volumes: dict[str, Any] = {}
    objects: dict[str, Any] = {}
    for method in methods:
        mine = [v for v in volume_rows if v.method == method and v.gt_sections]
        block = {key: _stats([getattr(v, key) for v in mine]) for key in VOLUME_KEYS}
        block["abs_volume_difference_um3"] = _stats(
            [
                abs(v.volume_difference_um3) if v.volume_difference_um3 is not None else None
                for v in mine
            ]
        )
        block["volumes"] = len(mine)
        volumes[method] = block
        pooled: dict[str, Any] = defaultdict(int)
        maps = []
        for v in mine:
            for key in (
                "n_gt",
                "n_pred",
                "correct",
                "incorrect",
                "false_negatives",
                "false_positives",
                "split",
                "merge",
                "catastrophe",
            ):
                pooled[key] += int((v.object_metrics or {}).get(key) or 0)
            maps.append((v.object_metrics or {}).get("map"))
        pooled = dict(pooled)
        n_gt = pooled.get("n_gt", 0)
        pooled["fn_rate"] = pooled.get("false_negatives", 0) / n_gt if n_gt else None
        pooled["fp_rate"] = pooled.get("false_positives", 0) / n_gt if n_gt else None
        pooled["map"] = _stats(maps)
        objects[method] = pooled

    timelapse = []
    series_method = primary
    per_specimen: dict[int, list[VolumeResult]] = defaultdict(list)
    for v in volume_rows:
        if v.method == series_method:
            per_specimen[v.specimen_id].append(v)
    for _specimen_id, items in per_specimen.items():
        times = sorted({v.time_index for v in items})
        if len(times) < 2:
            continue
        items.sort(key=lambda v: (v.time_index, v.volume_id))
        timelapse.append(
            {
                "specimen": items[0].specimen.name,
                "specimen_id": items[0].specimen_id,
                "method": series_method,
                "points": [_largest(v.time_index, v.nuclei) for v in items],
                "gt_points": [_largest(v.time_index, v.gt_nuclei) for v in items if v.gt_nuclei],
            }
        )

    primary_block = by_method.get(primary) or {}
    job_metrics = {}
    for key in METRIC_KEYS:
        if primary_block.get("fold_means"):
            job_metrics[key] = primary_block["fold_means"][key]
        elif primary_block:
            s = primary_block["set"][key]
            job_metrics[key] = {"mean": s["mean"], "std": s["std"]}
    return {
        "threshold": evaluation.threshold,
        "methods": methods,
        "primary": primary,
        "metrics": job_metrics,
        "by_method": by_method,
        "volumes": volumes,
        "objects": objects,
        "pr_curves": pr_curves or {},
        "timelapse": timelapse,
        "sections": len([r for r in rows if r["method"] == primary]),
        "volume_count": len({v.volume_id for v in volume_rows}),
        "std": "sample standard deviation (over sections; over folds for the fold means)",
    }


def _largest(time_index: int, nuclei: list[dict]) -> dict[str, Any]:
    top = nuclei[0] if nuclei else {}
    return {
        "time_index": time_index,
        "volume_um3": top.get("volume_um3"),
        "surface_area_um2": top.get("surface_area_um2"),
        "mean_ri": top.get("mean_ri"),
        "concentration_pg_per_um3": top.get("concentration_pg_per_um3"),
        "nuclei": len(nuclei),
    }
