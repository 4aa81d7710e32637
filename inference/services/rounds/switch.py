"""Switching the ground truth a round series trains and scores on (managers).

Round 1 fixes the source with the held-out specimens, so that rounds compare. A lab that moves
on (its consensus replaced by imported expert masks, or by a stain's ground truth) switches the
series' source here: the next rounds train and score on it, on the same held-out specimens; a
round's Dice is compared with the earlier rounds of its own source only
(``selectors.rounds.round_list``, ``chain``). Each switch is recorded (``RoundSourceSwitch``:
who, when, from what to what, after which round) and logged.
"""

from __future__ import annotations

import logging

from django.db import transaction

from annotations.models import GroundTruthSource, Project, Role
from annotations.permissions import require_role
from annotations.services.snapshots import ground_truth_source_checked
from cellweb.errors import ConflictError
from inference.models import RetrainRound, RoundSettings, RoundSourceSwitch, RoundState
from inference.services.rounds.source import series_gt_source

__all__ = ["round_source_switch"]

logger = logging.getLogger(__name__)


@transaction.atomic
def round_source_switch(*, project: Project, user, gt_source) -> RoundSourceSwitch | None:
    """Make ``gt_source`` the source of the project's next rounds; the switch recorded, or None
    when the series already uses it (nothing written). 400 for an unknown source; 409
    ``no_round_series`` before round 1 (its launch chooses the source) and ``round_running``
    while a round runs (it keeps the source it was launched with)."""
    require_role(user, project, Role.MANAGER)
    source = ground_truth_source_checked(gt_source)
    # The settings row serialises this with launches (``launch.retrain_round_launch``).
    settings, _ = RoundSettings.objects.select_for_update().get_or_create(project=project)
    rounds = RetrainRound.objects.filter(project=project)
    first = rounds.order_by("number").first()
    if first is None:
        raise ConflictError(
            "No round has been launched yet: choose the ground truth when launching round 1.",
            code="no_round_series",
        )
    last = rounds.order_by("-number").first()
    if last.state in (RoundState.TRAINING, RoundState.EVALUATING):
        raise ConflictError(
            f"Round {last.number} is still {last.get_state_display().lower()}; switch the "
            "source once it has ended (or cancel its job).",
            code="round_running",
        )
    previous = series_gt_source(first, settings)
    if source == previous:
        return None
    settings.gt_source = source
    settings.full_clean()
    settings.save(update_fields=["gt_source"])
    switch = RoundSourceSwitch(
        project=project,
        previous=previous,
        source=source,
        after_round=last.number,
        switched_by=user,
    )
    switch.full_clean()
    switch.save()
    logger.info(
        "Project %s: round series' ground truth %s → %s after round %s, switched by %s",
        project.slug,
        GroundTruthSource(previous).label,
        GroundTruthSource(source).label,
        last.number,
        user.get_username(),
    )
    return switch
