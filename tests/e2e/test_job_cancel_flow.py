"""A manager cancels jobs from their pages with a reason: the page sends it and then says who
cancelled, when and why (the evaluation's live header, the learning curve's page, an import's
page)."""

from __future__ import annotations

import pytest

from annotations.models import ImportJob
from cellweb.jobs.cancel_note import job_cancel_time
from inference.models import Evaluation, LearningCurve
from inference.services.learning_curve import LearningCurveConfig, learning_curve_launch
from tests.fixtures_live import login
from tests.helpers_evaluation import launch_evaluation, make_specimens
from tests.helpers_training import add_specimens

pytestmark = [pytest.mark.e2e]


def _cancel_with(page, button: str, reason: str) -> None:
    page.get_by_role("button", name=button).click()
    page.fill("[data-role=cancel-reason]", reason)
    page.get_by_role("button", name="Yes, cancel").click()


def test_an_evaluation_and_a_learning_curve_are_cancelled_with_a_reason(
    asgi_server, page, project, manager, make_volume
):
    specimens = make_specimens(project, make_volume, 1, z=4, size=32, stain=True)
    evaluation = launch_evaluation(project, manager, specimens=[specimens[0][0]])
    login(page, asgi_server, "mona")

    page.goto(f"{asgi_server.url}/evaluations/{evaluation.pk}/")
    _cancel_with(page, "Cancel job", "GPU needed elsewhere")
    page.wait_for_selector("#cw-root[data-status=cancelled]")
    evaluation = Evaluation.objects.get(pk=evaluation.pk)
    at = job_cancel_time(evaluation.cancel_requested_at)
    line = f"Cancelled by mona at {at} — GPU needed elsewhere"
    assert page.inner_text("#cw-root [data-role=cancel-note]") == line

    add_specimens(project, make_volume, 3, sections=2)
    config = LearningCurveConfig(sizes=[1, 2], seeds=1, arch="unet16", samples=2, input_size=32)
    curve = learning_curve_launch(project=project, user=manager, config=config, queue=False)
    page.goto(f"{asgi_server.url}/learning-curves/{curve.pk}/")
    _cancel_with(page, "Cancel", "wrong held-out set")
    # A final status brings the page's results: it reloads, and the server writes the line.
    page.wait_for_selector("[data-role=cancel-note]:has-text('wrong held-out set')")
    curve = LearningCurve.objects.get(pk=curve.pk)
    assert curve.cancelled_by == manager and curve.cancel_reason == "wrong held-out set"
    at = job_cancel_time(curve.cancel_requested_at)
    assert f"Cancelled by mona at {at} — wrong held-out set" in page.content()


def test_an_import_is_cancelled_from_its_page(asgi_server, page, project, manager):
    job = ImportJob.objects.create(
        project=project,
        created_by=manager,
        original_name="cell-07.TCF",
        params={"specimen_name": "cell-07", "modality": "ri"},
    )
    login(page, asgi_server, "mona")
    page.goto(f"{asgi_server.url}/imports/{job.pk}/")
    _cancel_with(page, "Cancel import", "wrong file")
    page.wait_for_selector("#cw-root[data-status=cancelled]")
    job.refresh_from_db()
    assert job.status == "cancelled" and job.cancelled_by == manager
    line = f"Cancelled by mona at {job_cancel_time(job.cancel_requested_at)} — wrong file"
    assert page.inner_text("#cw-root [data-role=cancel-note]") == line
    assert page.get_by_role("button", name="Cancel import").count() == 0
