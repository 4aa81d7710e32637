"""A retrain round launched while the task queue's broker is unreachable: its training job fails
clearly, the round ends failed with that reason, and the next round can be launched."""

from __future__ import annotations

import pytest

from inference.models import RoundState
from inference.services.rounds import retrain_round_launch
from tests.helpers_rounds import round_ready
from tests.unit.test_jobs_sweeper import unreachable_broker  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("unreachable_broker")
def test_a_round_launched_with_the_broker_down_ends_failed_and_blocks_nothing(
    project,
    manager,
    make_volume,
    django_capture_on_commit_callbacks,
):
    round_ready(project, manager, make_volume)

    with django_capture_on_commit_callbacks(execute=True):
        row = retrain_round_launch(project=project, user=manager)

    row.refresh_from_db()
    job = row.training_job
    assert job.status == "failed"
    assert "The task queue could not be reached" in job.error
    assert row.state == RoundState.FAILED, (row.state, row.message)
    assert row.message.startswith("The fine-tuning job failed: fold 1 failed: The task queue")
    with django_capture_on_commit_callbacks(execute=True):
        again = retrain_round_launch(project=project, user=manager)
    assert again.number == row.number + 1
