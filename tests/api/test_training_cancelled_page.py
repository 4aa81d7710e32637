"""A training job cancelled before any fold finished: the API's message says "cancelled" (not
"cancelling" for ever) and its page says why there is no summary instead of promising one."""

from __future__ import annotations

from django.test import Client

from inference.services.training import training_job_cancel
from tests.helpers_training import add_specimens, tiny_job_launch


def test_a_cancelled_job_says_so_in_the_api_and_on_its_page(
    project, manager, make_volume, api, django_capture_on_commit_callbacks
):
    add_specimens(project, make_volume, 4, sections=2)
    job = tiny_job_launch(project, manager)
    with django_capture_on_commit_callbacks(execute=True):
        training_job_cancel(job=job, user=manager, reason="wrong snapshot")

    body = api(manager).get(f"/api/training-jobs/{job.pk}/").json()
    client = Client()
    client.force_login(manager)
    html = client.get(f"/training-jobs/{job.pk}/").content.decode()

    assert body["status"] == "cancelled" and body["message"] == "cancelled"
    assert "No summary: the job was cancelled before any fold finished." in html
    assert "The summary appears when the last fold has finished." not in html
