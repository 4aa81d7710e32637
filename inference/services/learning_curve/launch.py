"""Launching a learning curve: the one path for the form and ``manage.py learning_curve``.

Nothing is written or queued when the settings or the project's ground truth cannot give the
curve; otherwise the ground truth is frozen in a snapshot and the job is queued on ``gpu``.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from annotations.models import Project, Role
from annotations.permissions import require_role
from annotations.services.snapshots import ground_truth_snapshot_of_entries
from cellweb.jobs import job_cancel
from cellweb.jobs.queue import job_create
from inference.models import LearningCurve
from inference.services.learning_curve.config import LearningCurveConfig
from inference.services.learning_curve.instances import MAP_SCORED_AT, NATIVE
from inference.services.learning_curve.plan import learning_curve_plan


def learning_curve_launch(
    *, project: Project, user, config: LearningCurveConfig, queue: bool = True
) -> LearningCurve:
    """Validate, freeze the ground truth, create the job and queue it after commit."""
    if user is not None:
        require_role(user, project, Role.MANAGER)
    now = timezone.now()
    plan = learning_curve_plan(project, config, as_of=now, user=user)
    config.sizes = list(plan.sizes)
    with transaction.atomic():
        curve = LearningCurve(
            project=project,
            created_by=user,
            config={
                **config.to_dict(),
                "starts": plan.starts,
                "pool_sections": len(plan.pool),
                MAP_SCORED_AT: NATIVE,
            },
            snapshot=ground_truth_snapshot_of_entries(
                project=project, source=config.gt_source, as_of=now, user=user, entries=plan.entries
            ),
            start_version_id=config.start_version,
            held_out=plan.held_out,
            total_points=plan.total_points * config.seeds,
            message=(
                f"{len(plan.pool)} training sections; "
                f"{sum(h['sections'] for h in plan.held_out)} held-out sections"
            ),
        )
        job_create("learning_curve", curve, queue=queue)
    return curve


def learning_curve_cancel(
    *, curve: LearningCurve, user, reason: str | None = None
) -> LearningCurve:
    return job_cancel("learning_curve", job=curve, user=user, reason=reason)
