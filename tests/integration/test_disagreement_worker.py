"""Disagreement scoring end to end: a training job of a "most informative first" project ends,
which queues the scoring on the gpu queue; a real Celery worker (Redis, PostgreSQL) runs the
fold models and stores the scores; the queue then hands out the section they disagree on most."""

from __future__ import annotations

import pytest

from annotations.models import QueueMode, SectionDisagreement
from annotations.services.annotation import section_offer_claim
from cellweb.celery import app as celery_app
from inference.models import DisagreementJob
from inference.services.training.gather import training_job_gather
from tests.helpers_disagreement import disagreeing_training_job, square_sections
from tests.helpers_jobs import poll_job, wait_until
from tests.helpers_training import SINGLE_THREAD_ENV

pytestmark = pytest.mark.integration

SIDES = [0, 4, 14, 0, 8]


def test_a_finished_training_job_is_scored_on_the_worker_and_reorders_the_queue(
    worker_factory, project, annotator
):
    celery_app.control.purge()
    project.queue_mode = QueueMode.MOST_INFORMATIVE
    project.save(update_fields=["queue_mode"])
    sections = square_sections(project, SIDES)
    training_job, _ = disagreeing_training_job(project, gains=(8.0, -8.0), status="running")
    worker = worker_factory(name="al-worker", extra_env=SINGLE_THREAD_ENV)

    training_job_gather(training_job.pk)  # the last fold ended: the job succeeds, after commit

    job_id = wait_until(
        lambda: DisagreementJob.objects.values_list("pk", flat=True).first(),
        timeout=30,
        what="a scoring queued after the training job",
    )
    job = poll_job(
        DisagreementJob,
        job_id,
        timeout=120,
        failure=lambda j: f"scoring {job_id} is {j.status}: {worker.log_text()[-2000:]}",
    )
    assert job.status == "succeeded", job.error
    assert job.training_job_id == training_job.pk and job.sections == len(SIDES)
    assert any("al-worker" in line["line"] for line in job.log)
    scores = SectionDisagreement.objects.filter(project=project)
    assert {s.training_job_id for s in scores} == {training_job.pk}
    ranked = [s.section_id for s in scores.order_by("-variance")]
    assert ranked[:3] == [sections[2].pk, sections[4].pk, sections[1].pk]
    assert section_offer_claim(user=annotator, project=project).pk == sections[2].pk
