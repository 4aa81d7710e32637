"""Gathering the folds into the job's status and cross-validation summary.

Each fold, when it reaches a final state, has the framework call ``training_job_gather`` after
commit; it locks the job row and checks whether every fold has ended, and the last one builds the
summary in that same transaction. This is the chord's job done without a result backend, and it
is what stays correct here: folds are redelivered after a worker dies (late acks), retried,
cancelled or failed by the sweeper, and may be run in the foreground by ``manage.py train
--wait`` or by the in-process worker of ``manage.py demo``; a Celery chord would need a result
backend, would not fire its callback when one fold failed, and could count a redelivered fold
twice. The row lock makes the summary happen exactly once, whoever finishes last.
"""

from __future__ import annotations

import shutil
from typing import Any

from django.db import transaction
from django.utils import timezone

from cellweb.jobs import FINAL_STATUSES, JobStatus, emit_status, get_kind
from cellweb.jobs.lifecycle import after_final, settled_message
from inference.ml.metrics import SECTION_METRIC_KEYS
from inference.models import FoldRun, ModelVersion, TrainingJob
from inference.services.disagreement import disagreement_after_training
from inference.services.training.recovery import checkpoint_dir
from inference.services.training.summary import cross_validation_summary, isl_summary

METRIC_KEYS = SECTION_METRIC_KEYS
THRESHOLD = 0.5


def _summary(folds: list[FoldRun], *, task: str) -> dict[str, Any] | None:
    done = [f for f in folds if f.kind == "cv" and f.status == JobStatus.SUCCEEDED and f.metrics]
    if not done:
        return None
    metrics = [f.metrics for f in done]
    summary = isl_summary(metrics) if task == "isl" else cross_validation_summary(metrics)
    return summary | {
        "folds": [f.index for f in done],
        "folds_total": sum(1 for f in folds if f.kind == "cv"),
        "threshold": THRESHOLD,
        "std": "sample standard deviation over folds",
        "sections": [f.metrics.get("sections") for f in done],
    }


def training_job_gather(job_id: int) -> None:
    """Finish the job once every fold has ended; exactly once, whoever ends last."""
    with transaction.atomic():
        job = TrainingJob.objects.select_for_update().get(pk=job_id)
        if job.status in FINAL_STATUSES:
            return
        folds = list(job.folds.order_by("index"))
        if any(f.status not in FINAL_STATUSES for f in folds):
            return
        statuses = {f.status for f in folds}
        job.summary = _summary(folds, task=job.config.get("task", "segmentation"))
        if statuses == {JobStatus.SUCCEEDED}:
            job.status = JobStatus.SUCCEEDED
            job.error = ""
        elif JobStatus.FAILED in statuses:
            job.status = JobStatus.FAILED
            job.error = "; ".join(
                f"{f.label} failed: {f.error}" for f in folds if f.status == JobStatus.FAILED
            )[:5000]
        else:
            job.status = JobStatus.CANCELLED
        now = timezone.now()
        job.finished_at = now
        job.gathered_at = now
        job.progress = 1.0 if job.status == JobStatus.SUCCEEDED else job.progress
        job.finish_pending = True
        job.save(
            update_fields=[
                "status",
                "summary",
                "error",
                "finished_at",
                "gathered_at",
                "progress",
                "finish_pending",
                *settled_message(job),
            ]
        )
        if job.summary:
            # Beside the fold versions' pooled numbers, a final model shows the folds' mean of
            # those (as the Models and Compare pages say); an ISL summary has no pooled block.
            cv = job.summary.get("pooled") or job.summary["metrics"]
            means = {k: v["mean"] for k, v in cv.items()}
            objects = (job.summary.get("objects") or {}).get("metrics") or {}
            means |= {k: v["mean"] for k, v in objects.items()}
            for version in ModelVersion.objects.filter(job=job, kind="final"):
                version.metrics = {**version.metrics, "cross_validation": means}
                version.save(update_fields=["metrics"])
        kind = get_kind("training")
        emit_status(kind, job)
        # A parent has no run of its own: its finish and listeners follow its end from here
        # (or from the sweeper, when a killed worker left ``finish_pending`` set).
        transaction.on_commit(lambda: after_final(kind, job))


def training_job_finish(job: TrainingJob) -> None:
    """After the job's end is committed: its checkpoints go (they only serve resuming a fold of
    an unfinished job), and a job that succeeded has its fold models score the sections when the
    project ranks its queue by their disagreement. Run again after a kill, it does nothing twice."""
    shutil.rmtree(checkpoint_dir(job.pk), ignore_errors=True)
    if job.status == JobStatus.SUCCEEDED:
        disagreement_after_training(job.pk)
