"""Two launches of a retrain round at the same instant (two managers, or a manager and the
round that launches by itself): one round starts, the other is refused (409), never two."""

from __future__ import annotations

import pytest

from cellweb.errors import ConflictError
from inference.models import RetrainRound, RoundSettings, TrainingJob
from inference.services.model_versions import model_version_activate
from inference.services.rounds import retrain_round_launch
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_threads import run_together
from tests.helpers_training import TINY, add_specimens

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("settings_saved", [True, False], ids=["settings", "no-settings-yet"])
def test_two_round_launches_at_once_start_one_round(
    settings_saved, project, manager, make_volume, queued
):
    add_specimens(project, make_volume, 4, sections=1)
    parent = tiny_model_version(project, name="parent")
    parent.config = dict(TINY)
    parent.save(update_fields=["config"])
    model_version_activate(version=parent, user=manager)
    if settings_saved:
        RoundSettings.objects.create(project=project, epochs=1)

    results, errors = run_together(
        lambda: retrain_round_launch(project=project, user=manager, epochs=1), 2
    )

    assert len(results) == 1, errors
    assert len(errors) == 1 and isinstance(errors[0], ConflictError), errors
    assert errors[0].code == "round_running"
    assert RetrainRound.objects.filter(project=project).count() == 1
    assert TrainingJob.objects.filter(project=project).count() == 1
