"""In Chromium, a project in the queue mode "most informative first": before any training an
annotator's "Annotate" opens the middle of the stack and says no fold models scored it; once a
training job has ended and the worker has scored the sections, the next annotator's "Annotate"
opens the section the fold models disagree on most, and the page says why."""

from __future__ import annotations

import pytest

from annotations.models import QueueMode
from cellweb.celery import app as celery_app
from inference.models import DisagreementJob
from inference.services.training.gather import training_job_gather
from tests.fixtures_live import login, screenshot
from tests.helpers_disagreement import disagreeing_training_job, square_sections
from tests.helpers_jobs import poll_job, wait_until
from tests.helpers_training import SINGLE_THREAD_ENV

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SIDES = [0, 6, 0, 0, 16]  # middle-out starts at z 2; the fold models disagree most on z 4


def annotate_next(browser, server, username: str, section):
    """``username`` signs in in a new tab and presses "Annotate" on the project page, which
    must open ``section``: the tab and its element saying why the queue chose that section."""
    page = browser.new_page()
    login(page, server, username)
    page.goto(f"{server.url}/projects/lab/")
    page.locator("[data-link=annotate]").first.click()
    # The queue page hands nothing out until its button (a POST) is pressed.
    page.locator("[data-action=next]").click()
    page.wait_for_url(lambda url: url.endswith("/annotate/") and "/next/" not in url)
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/sections/{section.pk}/annotate/")
    return page, page.locator(".cw-queue-reason")


def test_after_a_training_job_the_queue_follows_the_fold_models_disagreement(
    asgi_server, worker_factory, browser, project, annotator, second_annotator
):
    celery_app.control.purge()
    project.queue_mode = QueueMode.MOST_INFORMATIVE
    project.save(update_fields=["queue_mode"])
    sections = square_sections(project, SIDES)
    training_job, _ = disagreeing_training_job(project, gains=(8.0, -8.0), status="running")

    alice, reason = annotate_next(browser, asgi_server, "alice", sections[2])
    assert reason.get_attribute("data-queue-reason") == "unscored"
    assert "no fold models have scored this section yet" in reason.inner_text()
    screenshot(alice, "informative-queue-before-training")

    worker_factory(name="al-e2e-worker", extra_env=SINGLE_THREAD_ENV)
    training_job_gather(training_job.pk)  # its last fold ended: the scoring follows
    job_id = wait_until(
        lambda: DisagreementJob.objects.values_list("pk", flat=True).first(),
        timeout=30,
        what="the scoring queued after the training job",
    )
    job = poll_job(DisagreementJob, job_id, timeout=120)
    assert job.status == "succeeded", job.error

    bob, reason = annotate_next(browser, asgi_server, "bob", sections[4])
    assert reason.get_attribute("data-queue-reason") == "scored"
    text = reason.inner_text()
    assert f"from training job {training_job.pk}" in text and "pairwise Dice 0.00" in text
    screenshot(bob, "informative-queue-after-training")
