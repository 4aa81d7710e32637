"""What a job failed by the sweeper says: a kind that is not retried never promises an attempt
that will not come ("attempt 1 of 2"); a retrying kind out of attempts says none is left."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cellweb.jobs.sweeper import jobs_sweep
from inference.models import FoldRun
from tests.helpers_training import add_specimens, tiny_job_launch
from tests.jobkind_app.models import Chore

pytestmark = pytest.mark.django_db


def _long_silent(settings):
    return timezone.now() - timedelta(seconds=settings.HEARTBEAT_TIMEOUT_S + 30)


def test_a_silent_job_of_a_kind_that_is_not_retried_fails_saying_it_will_not_run_again(
    settings, django_capture_on_commit_callbacks
):
    chore = Chore.objects.create(status="running", attempts=1, heartbeat_at=_long_silent(settings))

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_sweep() == 1

    chore.refresh_from_db()
    assert chore.status == "failed"
    assert chore.error.startswith("The worker stopped responding (no heartbeat for ")
    assert chore.error.endswith("s). A chore job is not run again after that: launch it again.")
    assert " of 2" not in chore.error


def test_a_silent_fold_out_of_attempts_fails_saying_none_is_left(
    settings, project, manager, make_volume, queued, django_capture_on_commit_callbacks
):
    settings.TRAINING_MAX_RETRIES = 1
    add_specimens(project, make_volume, 2, sections=1)
    fold = tiny_job_launch(project, manager).folds.get(index=0)
    FoldRun.objects.filter(pk=fold.pk).update(
        status="running", attempts=2, heartbeat_at=_long_silent(settings), task_id="lost"
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_sweep() == 1

    fold.refresh_from_db()
    assert fold.status == "failed" and queued == []
    assert fold.error.endswith(", attempt 2 of 2; no attempts left).")
