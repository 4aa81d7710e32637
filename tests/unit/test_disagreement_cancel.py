"""Cancelling a disagreement scoring at each phase: queued (ends now; a second cancel and a
cancel of a finished scoring are 409), running (stops before its scores replace the project's,
even when the cancel came during its last, throttled batch, and leaves the earlier scores as they
were), and the sweeper ending a scoring whose worker died."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from annotations.models import SectionDisagreement
from cellweb.jobs import job_cancel
from cellweb.jobs.sweeper import jobs_sweep
from inference.job_kinds import DisagreementKind
from inference.models import DisagreementJob
from inference.services import disagreement as disagreement_services
from inference.services.disagreement import disagreement_launch
from tests.helpers_disagreement import disagreeing_training_job, square_sections
from tests.unit.test_disagreement_scoring import SIDES, run

pytestmark = pytest.mark.django_db


def _scored(project, manager) -> dict[int, float]:
    square_sections(project, SIDES)
    disagreeing_training_job(project)
    assert run(disagreement_launch(project=project, user=manager, queue=False)).status == (
        "succeeded"
    )
    return dict(
        SectionDisagreement.objects.filter(project=project).values_list("section_id", "variance")
    )


def test_a_queued_scoring_is_cancelled_now_and_a_second_cancel_is_a_conflict(
    api, project, manager, queued
):
    disagreeing_training_job(project)
    scoring = disagreement_launch(project=project, user=manager)
    url = f"/api/disagreement/{scoring.pk}/cancel/"

    response = api(manager).post(url, {"reason": "wrong job"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "cancelled" and body["cancel_reason"] == "wrong job"
    assert api(manager).post(url).status_code == 409
    assert run(scoring).status == "cancelled"  # its message, delivered late, runs nothing


def test_a_running_scoring_cancelled_keeps_the_earlier_scores(project, manager, monkeypatch):
    before = _scored(project, manager)
    scoring = disagreement_launch(project=project, user=manager, queue=False)
    real_score = disagreement_services.runner._score_chunk

    def scored_then_cancelled(*args, **kwargs):  # a manager cancels during the last batch
        pairs = real_score(*args, **kwargs)
        job_cancel("disagreement", job=scoring, user=manager, reason="enough")
        return pairs

    monkeypatch.setattr(disagreement_services.runner, "_score_chunk", scored_then_cancelled)
    # Its progress after that batch falls within the throttle: no check there.
    monkeypatch.setattr(DisagreementKind, "progress_interval_s", 3600.0)

    ended = run(scoring)

    assert ended.status == "cancelled" and ended.message == "cancelled"
    assert ended.result == {} and ended.sections == 0
    after = dict(
        SectionDisagreement.objects.filter(project=project).values_list("section_id", "variance")
    )
    assert after == before


def test_a_scoring_whose_worker_died_is_failed_by_the_sweeper_and_the_scores_stay(
    project, manager, settings, django_capture_on_commit_callbacks
):
    before = _scored(project, manager)
    scoring = disagreement_launch(project=project, user=manager, queue=False)
    old = timezone.now() - timedelta(seconds=settings.HEARTBEAT_TIMEOUT_S + 30)
    DisagreementJob.objects.filter(pk=scoring.pk).update(
        status="running", attempts=1, started_at=old, heartbeat_at=old
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_sweep() == 1

    scoring.refresh_from_db()
    assert scoring.status == "failed"
    assert scoring.error.endswith(
        "A disagreement job is not run again after that: launch it again."
    )
    after = dict(
        SectionDisagreement.objects.filter(project=project).values_list("section_id", "variance")
    )
    assert after == before
