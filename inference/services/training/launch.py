"""Launching a cross-validated training job: the one path for the form, the API and
``manage.py train``; and cancelling one.

``training_job_launch`` validates the configuration and the data before anything is written,
freezes the ground truth in a snapshot, splits the specimens into folds (all sections of one
specimen in the same fold), estimates the run time, creates one ``FoldRun`` per fold and, after
commit, queues each fold as a job of the kind "fold" on the ``gpu`` queue.
"""

from __future__ import annotations

import dataclasses
import subprocess
import tomllib
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from annotations.models import Project, Role
from annotations.permissions import require_role
from annotations.services.snapshots import ground_truth_snapshot_of_entries
from cellweb.jobs import job_cancel
from cellweb.jobs.queue import assign_task, send_after_commit
from inference.models import FoldRun, TrainingJob
from inference.services.model_exchange.parent import fine_tune_parent_problem
from inference.services.training.config import TrainingConfig, TrainingDataConflict
from inference.services.training.outputs import parent_outputs_inherited
from inference.services.training.plan import FoldPlan, training_plan


@lru_cache(maxsize=1)
def code_version() -> str:
    """``git describe`` of the running code when available, else the package version."""
    root = Path(settings.BASE_DIR)
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        if out.returncode == 0 and out.stdout.strip():
            return f"git {out.stdout.strip()}"[:100]
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        with (root / "pyproject.toml").open("rb") as fh:
            return f"cellweb {tomllib.load(fh)['project']['version']}"
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "cellweb (unknown version)"


def training_job_launch(
    *, project: Project, user, config: TrainingConfig, queue: bool = True
) -> TrainingJob:
    """Validate, freeze the ground truth, split, create the fold rows and queue the folds.

    Nothing is written or queued when the configuration or the data cannot work. ``queue=False``
    leaves the folds for ``training_job_run_foreground`` (``manage.py train --wait``).
    """
    if user is not None:
        require_role(user, project, Role.MANAGER)
    now = timezone.now()
    config = parent_outputs_inherited(config)
    plan = training_plan(project, config, as_of=now)
    config = dataclasses.replace(
        config, native_crops=plan.native_crops
    )  # the job records the decision
    parent_problem = fine_tune_parent_problem(
        user=user, arch=config.arch, version_id=config.from_version, project_id=project.pk
    )
    if parent_problem:
        raise TrainingDataConflict({"from_version": parent_problem}, code="parent_arch_mismatch")
    with transaction.atomic():
        # The snapshot holds exactly what is trained on (modality filters applied).
        snapshot = ground_truth_snapshot_of_entries(
            project=project, source=config.gt_source, as_of=now, user=user, entries=plan.entries
        )
        job = TrainingJob(
            project=project,
            created_by=user,
            config=dataclasses.replace(
                config,
                target_class=plan.target.name if plan.target else "",
                target_value=plan.target.value if plan.target else None,
                class_values=plan.outputs.values if plan.outputs else [],
            ).to_dict(),
            snapshot=snapshot,
            estimate_s=plan.estimate_s,
            device_kind=plan.device_kind,
            code_version=code_version(),
            sections=len(plan.entries),
            message=f"{len(plan.entries)} sections of {plan.specimens} specimens"
            + (f"; {plan.skipped_message()}" if plan.skipped else ""),
        )
        job.full_clean()
        job.save()
        fold_runs_create(job, plan.folds, epochs=config.epochs, queue=queue)
    return job


def fold_runs_create(
    job: TrainingJob, plans: list[FoldPlan], *, epochs: int, queue: bool
) -> list[FoldRun]:
    """One ``FoldRun`` per planned fold of a saved job (inside the launch's transaction);
    with ``queue`` each is queued as a job of the kind "fold" after commit."""
    folds = []
    for plan in plans:
        fold = FoldRun(
            job=job,
            index=plan.index,
            kind=plan.kind,
            train_specimens=FoldPlan.specimens(plan.train),
            val_specimens=FoldPlan.specimens(plan.val),
            train_sections=len(plan.train),
            val_sections=len(plan.val),
            epochs=epochs,
        )
        if queue:
            assign_task(fold)
        fold.full_clean()
        folds.append(fold)
    FoldRun.objects.bulk_create(folds)
    if queue:
        for fold in job.folds.order_by("index"):
            send_after_commit("fold", fold.pk, fold.task_id)
    return folds


def training_job_cancel(
    *, job: TrainingJob, user, reason: str | None = None, stop_running_now: bool = False
) -> TrainingJob:
    """Stop a job: queued folds end cancelled now, running folds at their next batch; the job
    records ``user`` and ``reason``, its folds that the training job was cancelled.

    ``stop_running_now`` also ends running folds at once; only for the process that runs them
    (``manage.py train --wait`` after Ctrl+C), which will not reach another batch.
    """
    return job_cancel(
        "training", job=job, user=user, reason=reason, stop_running_now=stop_running_now
    )
