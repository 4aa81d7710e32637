"""Launching a disagreement scoring: by a manager (web or API), or by itself after a training job
of a project whose queue is "most informative first".

The training job must have at least two cross-validation fold models (one model cannot
disagree with itself); by default it is the active model's job, else the newest such job. One
scoring of a training job's fold models at a time: a second launch while one is queued or
running is refused (409 ``scoring_under_way``).
"""

from __future__ import annotations

from django.db import transaction

from annotations.models import Project, QueueMode, Role, SectionDisagreement
from annotations.permissions import require_role
from cellweb.errors import ConflictError, InvalidInput, NotFoundError
from cellweb.jobs import FINAL_STATUSES, JobStatus, job_launch
from inference.models import DisagreementJob, ModelVersion, ModelVersionKind, TrainingJob

__all__ = [
    "disagreement_after_mode_change",
    "disagreement_after_training",
    "disagreement_launch",
    "fold_versions",
]

MIN_FOLDS = 2


def fold_versions(training_job: TrainingJob):
    """The cross-validation fold models of ``training_job``, in fold order."""
    return ModelVersion.objects.filter(job=training_job, kind=ModelVersionKind.FOLD).order_by(
        "fold__index", "pk"
    )


def _default_training_job(project: Project) -> TrainingJob:
    active = ModelVersion.objects.filter(project=project, is_active=True).first()
    if active is not None and active.job_id and fold_versions(active.job).count() >= MIN_FOLDS:
        return active.job
    for job in TrainingJob.objects.filter(project=project, status=JobStatus.SUCCEEDED):
        if fold_versions(job).count() >= MIN_FOLDS:
            return job
    raise ConflictError(
        "No training job of this project has two or more fold models yet: train with at least "
        "2 folds, then score the sections.",
        code="too_few_fold_models",
    )


def _training_job(project: Project, training_job_id: int | None) -> TrainingJob:
    if training_job_id is None:
        return _default_training_job(project)
    job = TrainingJob.objects.filter(pk=training_job_id, project=project).first()
    if job is None:
        raise NotFoundError(f"No training job {training_job_id} in this project.")
    folds = fold_versions(job).count()
    if folds < MIN_FOLDS:
        raise ConflictError(
            f"Training job {job.pk} has {folds} fold model{'s' if folds != 1 else ''}; the "
            "disagreement of fold models needs at least two.",
            code="too_few_fold_models",
        )
    return job


def disagreement_launch(
    *,
    project: Project,
    user,
    training_job_id: int | None = None,
    threshold: float = 0.5,
    queue: bool = True,
) -> DisagreementJob:
    """Check the request and queue the scoring on the ``gpu`` queue after commit (``user``
    None: the system, after a training job; ``queue=False``: the caller runs it)."""
    if user is not None:
        require_role(user, project, Role.MANAGER)
    if not 0.0 < float(threshold) < 1.0:
        raise InvalidInput("The threshold must be strictly between 0 and 1 (the paper uses 0.5).")
    training_job = _training_job(project, training_job_id)
    with transaction.atomic():
        # Launches take turns on the project row, so two at once see each other's scoring.
        Project.objects.select_for_update().filter(pk=project.pk).values("pk").first()
        _refuse_a_second(training_job)
        return job_launch(
            "disagreement",
            DisagreementJob,
            user=user,
            queue=queue,
            project=project,
            training_job=training_job,
            threshold=float(threshold),
            message=f"fold models of training job {training_job.pk}",
        )


def _refuse_a_second(training_job: TrainingJob) -> None:
    """409 while a scoring of the same fold models is queued or running (a double click, two
    managers): a second would redo the same work on the GPU."""
    pending = (
        DisagreementJob.objects.filter(training_job=training_job)
        .exclude(status__in=FINAL_STATUSES)
        .order_by("pk")
        .first()
    )
    if pending is not None:
        raise ConflictError(
            f"Scoring {pending.pk} of training job {training_job.pk} is already {pending.status}; "
            "it ranks the work queue when it ends (cancel it to launch another).",
            code="scoring_under_way",
            current={"id": pending.pk, "status": pending.status},
        )


def disagreement_after_training(training_job_id: int) -> DisagreementJob | None:
    """After a training job succeeded: score the sections when its project ranks its queue by
    disagreement and the job has fold models to compare."""
    job = TrainingJob.objects.select_related("project").filter(pk=training_job_id).first()
    if job is None or job.status != JobStatus.SUCCEEDED:
        return None
    if job.project.queue_mode != QueueMode.MOST_INFORMATIVE:
        return None
    if fold_versions(job).count() < MIN_FOLDS:
        return None
    if DisagreementJob.objects.filter(training_job=job).exists():
        return None  # already scored or under way (this ran before a worker was killed)
    try:
        return disagreement_launch(project=job.project, user=None, training_job_id=job.pk)
    except ConflictError:  # a manager's scoring of these fold models is already under way
        return None


def disagreement_after_mode_change(project_id: int) -> DisagreementJob | None:
    """After a project's settings are saved (a settings listener): a project that ranks its queue
    by disagreement but has no scores yet, and no scoring under way, gets one from its default
    training job, so switching the mode on takes effect without a manual run. Nothing happens when
    no training job has two fold models (the queue stays in today's order)."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None or project.queue_mode != QueueMode.MOST_INFORMATIVE:
        return None
    if SectionDisagreement.objects.filter(project=project).exists():
        return None
    pending = DisagreementJob.objects.filter(project=project).exclude(status__in=FINAL_STATUSES)
    if pending.exists():
        return None
    try:
        return disagreement_launch(project=project, user=None)
    except ConflictError:
        return None
