"""Reads for training: jobs with their folds and history. The launch form's choices
(``training_form``), the summary's tables (``training_summary``) and the model versions
(``model_versions``) are read in their own modules; their names are re-exported here."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from annotations.models import Project
from annotations.permissions import get_in_project
from cellweb.jobs.cancel_note import job_cancel_line
from cellweb.jobs.rows import job_list_fields
from cellweb.jobs.snapshot import live_snapshot
from inference.models import EpochLog, FoldRun, ModelVersion, TrainingJob
from inference.selectors.model_versions import (
    METRIC_LABELS,
    OBJECT_LABELS,
    arch_label,
    model_version_compare,
    model_version_get,
    model_version_metric,
    model_version_public,
    model_versions_for_project,
)
from inference.selectors.training_form import training_form_choices
from inference.selectors.training_summary import training_summary_tables

__all__ = [
    "METRIC_LABELS",
    "OBJECT_LABELS",
    "model_version_compare",
    "model_version_get",
    "model_version_metric",
    "model_version_public",
    "model_versions_for_project",
    "training_form_choices",
    "training_job_get",
    "training_job_public",
    "training_job_snapshot",
    "training_jobs_for_project",
    "training_job_evaluate_url",
    "training_summary_tables",
]


def training_jobs_for_project(project: Project) -> QuerySet[TrainingJob]:
    return (
        TrainingJob.objects.filter(project=project)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )


def training_job_get(*, user, job_id: int) -> TrainingJob:
    """The job if ``user`` is a member of its project (outsiders get 404)."""
    queryset = TrainingJob.objects.select_related("created_by", "snapshot")
    return get_in_project(user, queryset, job_id, "No such training job.")


def training_job_public(job: TrainingJob) -> dict[str, Any]:
    """The short form used in lists."""
    config = job.config or {}
    return {
        **job_list_fields(job),
        "arch": config.get("arch"),
        "arch_label": arch_label(config.get("arch")),
        "folds": config.get("folds"),
        "epochs": config.get("epochs"),
        "input_size": config.get("input_size"),
        "gt_source": config.get("gt_source"),
        "sections": job.sections,
        "estimate_s": job.estimate_s,
        "progress": job.progress,
        "dice": (((job.summary or {}).get("metrics") or {}).get("dice") or {}).get("mean"),
        "dice_nucleus": _subset_dice(job.summary, "nucleus"),
        "task": config.get("task", "segmentation"),
        "pcc": (((job.summary or {}).get("metrics") or {}).get("pcc") or {}).get("mean"),
        "error": job.error or None,
    }


def _subset_dice(summary: dict | None, subset: str) -> float | None:
    metrics = (((summary or {}).get("subsets") or {}).get(subset) or {}).get("metrics") or {}
    return (metrics.get("dice") or {}).get("mean")


def _fold_public(fold: FoldRun, history: list[EpochLog]) -> dict[str, Any]:
    return {
        "index": fold.index,
        "kind": fold.kind,
        "label": fold.label,
        "status": fold.status,
        "worker": fold.worker or None,
        "device": fold.device or None,
        "epoch": fold.epoch,
        "epochs": fold.epochs,
        "batch": fold.batch,
        "batches": fold.batches,
        "eta_s": fold.eta_s,
        "attempts": fold.attempts,
        "error": fold.error or None,
        "message": fold.message,
        "cancel_note": job_cancel_line(fold),
        "started_at": fold.started_at.isoformat() if fold.started_at else None,
        "finished_at": fold.finished_at.isoformat() if fold.finished_at else None,
        "heartbeat_at": fold.heartbeat_at.isoformat() if fold.heartbeat_at else None,
        "train_sections": fold.train_sections,
        "val_sections": fold.val_sections,
        "specimens_train": [s["name"] for s in fold.train_specimens],
        "specimens_val": [s["name"] for s in fold.val_specimens],
        "metrics": fold.metrics or None,
        "history": [
            {
                "epoch": log.epoch,
                "train_loss": log.train_loss,
                "val_loss": log.val_loss,
                "val_dice": log.val_dice,
                "val_pcc": (log.val_metrics or {}).get("pcc"),
                # A job with several classes: each class's validation Dice, in class order.
                "val_per_class_dice": (log.val_metrics or {}).get("per_class_dice"),
            }
            for log in history
        ],
    }


def training_job_snapshot(job: TrainingJob) -> dict[str, Any]:
    """Everything the job page shows, from the database (what the websocket sends first), its
    folds included (``cellweb.jobs.snapshot``)."""
    return live_snapshot("training", job, _training_live, links=["snapshot"])


def _training_live(job: TrainingJob) -> dict[str, Any]:
    folds = list(job.folds.order_by("index"))
    logs: dict[int, list[EpochLog]] = {f.pk: [] for f in folds}
    for log in EpochLog.objects.filter(fold__job=job).order_by("fold_id", "epoch"):
        logs[log.fold_id].append(log)
    versions = {v.fold_id: v.pk for v in ModelVersion.objects.filter(job=job).only("id", "fold_id")}
    fold_rows = []
    for fold in folds:
        row = _fold_public(fold, logs[fold.pk])
        row["model_version"] = versions.get(fold.pk)
        fold_rows.append(row)
    return {
        **training_job_public(job),
        "id": job.pk,
        "status": job.status,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "project": job.project.slug,
        "config": job.config,
        "estimate_s": job.estimate_s,
        "device_kind": job.device_kind,
        "code_version": job.code_version,
        "snapshot": {
            "id": job.snapshot_id,
            "source": job.snapshot.source,
            "as_of": job.snapshot.as_of.isoformat(),
            "sections": job.sections,
        }
        if job.snapshot_id
        else {"id": None, "source": "fluorescence pairs", "as_of": None, "sections": job.sections},
        "message": job.message,
        "folds": fold_rows,
        "summary": job.summary,
    }


def training_job_evaluate_url(job: TrainingJob) -> str:
    """The evaluation form, set to score this job's folds on their held-out specimens
    (cross-validation); the form picks the job's model version from ``job``."""
    return (
        f"/projects/{job.project.slug}/evaluations/?job={job.pk}"
        "&set_kind=cross_validation#evaluation-form"
    )
