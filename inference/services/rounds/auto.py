"""The project setting "when N more sections have confirmed ground truth, fine-tune the active
model": a round is launched by itself once the confirmed sections outnumber those of the last
round (or, before any round, those the active model was trained on) by N. Only ground truth of
the rounds' source counts (``rounds.source``: the series', else the active model's own).

Checked after each ground-truth version is committed. A launch that cannot happen now (no active
model, a round still running, too few specimens) is skipped and retried at the next
confirmation; it never undoes or hides the confirmation.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from annotations.models import Project, Section
from annotations.services.snapshots import ground_truth_as_of
from cellweb.errors import DomainError
from inference.datasets import entries_for_ground_truths
from inference.models import ModelVersion, RetrainRound, RoundSettings, RoundState
from inference.services.rounds.launch import retrain_round_launch
from inference.services.rounds.source import round_gt_source

logger = logging.getLogger(__name__)


def _baseline(active: ModelVersion, last: RetrainRound | None) -> int:
    """Confirmed sections the model already saw: the last round's count at launch, else the
    sections of the active version's training job (0 for an imported version)."""
    if last is not None:
        return last.gt_sections
    return active.job.sections if active.job_id else 0


def round_auto_launch(project_id: int) -> RetrainRound | None:
    """Launch the next round when the project's threshold is reached; None when it is off, not
    reached, or a launch is not possible now."""
    settings = RoundSettings.objects.filter(project_id=project_id).first()
    if settings is None or not settings.retrain_after_sections:
        return None
    project = Project.objects.get(pk=project_id)
    active = ModelVersion.objects.filter(project=project, is_active=True).first()
    rounds = RetrainRound.objects.filter(project=project)
    if (
        active is None
        or rounds.filter(state__in=[RoundState.TRAINING, RoundState.EVALUATING]).exists()
    ):
        return None
    last = rounds.order_by("-number").first()
    # The series' source (fixed by round 1, or switched), else the one the next round would train on.
    source = round_gt_source(
        parent=active, first=rounds.order_by("number").first(), settings=settings
    )
    # Counted as a round counts them (``gt_sections``): label-free sections with ground truth.
    confirmed = len(
        entries_for_ground_truths(
            ground_truth_as_of(project=project, source=source, as_of=timezone.now())
        )
    )
    if confirmed - _baseline(active, last) < settings.retrain_after_sections:
        return None
    try:
        row = retrain_round_launch(project=project, user=None)
    except DomainError as exc:
        logger.info("No automatic round for project %s now: %s", project.slug, exc.message)
        return None
    row.message = (
        f"Launched by itself: {confirmed} confirmed sections of {source} ground truth, "
        f"{settings.retrain_after_sections} "
        f"more than the model had seen. {row.message}"
    )[:2000]
    row.save(update_fields=["message"])
    return row


def rounds_after_ground_truth(sender, instance, created, **kwargs) -> None:
    """post_save receiver of GroundTruth: check the threshold once the version is committed."""
    if not created:
        return
    project_id = (
        Section.objects.filter(pk=instance.section_id)
        .values_list("specimen__project_id", flat=True)
        .first()
    )

    def check() -> None:
        try:
            round_auto_launch(project_id)
        except Exception:  # never let the check disturb the confirmation that triggered it
            logger.exception("The automatic round check failed for project %s", project_id)

    transaction.on_commit(check)
