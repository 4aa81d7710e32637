"""A manager launches a small training job from the form and watches it live until it succeeds."""

from __future__ import annotations

import re

import pytest

from cellweb.celery import app as celery_app
from inference.models import TrainingJob
from tests.fixtures_live import login, screenshot
from tests.helpers_training import SINGLE_THREAD_ENV, add_specimens

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _fill_tiny_run(page) -> None:
    """Set the launch form to a run estimated in minutes: two folds of 20 epochs of a small
    network, one 32-pixel crop a batch, no elastic deformation. A fold's 20 epochs take
    seconds on an idle machine (more on a busy one): long enough for the page to see its loss
    curve grow between two epochs, while fold 1 waits behind it."""
    page.select_option("select[name=arch]", "unet16")
    page.fill("input[name=folds]", "2")
    page.fill("input[name=epochs]", "20")
    page.fill("input[name=batch_size]", "1")
    page.fill("input[name=input_size]", "32")
    page.uncheck("input[name=elastic]")


def _points(page) -> int:
    return int(page.get_attribute("[data-fold='0'] [data-chart=loss]", "data-points") or 0)


def test_manager_launches_from_the_form_and_sees_the_curves_grow_until_success(
    asgi_server, worker_factory, page, project, manager, make_volume
):
    celery_app.control.purge()
    add_specimens(project, make_volume, 4, sections=2, lab="KAIST")
    worker = worker_factory(name="e2e-worker", extra_env=SINGLE_THREAD_ENV)

    login(page, asgi_server, "mona")
    page.goto(f"{asgi_server.url}/projects/{project.slug}/training/")
    # The live estimate follows the form: hours for the paper's 4 x 300 epochs at 448 px on a
    # CPU, minutes for the tiny run below (set-up and saving of each fold included).
    page.wait_for_function(
        "() => { const o = document.querySelector('#training-estimate');"
        " return o.dataset.state === 'ok' && Number(o.dataset.seconds) > 3600; }"
    )
    _fill_tiny_run(page)
    page.check("input[name=gt_source][value=consensus]")
    page.wait_for_function(
        """() => {
            const out = document.querySelector('#training-estimate');
            return out.dataset.state === 'ok' && Number(out.dataset.seconds) < 600
                && out.textContent.includes('8 sections of 4 specimens');
        }"""
    )
    screenshot(page, "training-01-form")

    # A configuration that cannot work is refused on the form, with its message, before queuing.
    page.fill("input[name=folds]", "5")
    page.click("#training-launch-button")
    assert "5-fold cross-validation needs at least 5 specimens" in page.inner_text(
        "#training-launch"
    )
    assert TrainingJob.objects.count() == 0
    screenshot(page, "training-02-refused")

    _fill_tiny_run(page)
    page.click("#training-launch-button")
    page.wait_for_url(re.compile(r"/training-jobs/\d+/$"))

    # The worker imports PyTorch and builds the data before the first epoch: on a loaded machine
    # that alone can take longer than the default 30 s wait.
    page.wait_for_function(
        "() => Number(document.querySelector(\"[data-fold='0'] [data-chart=loss]\")?.dataset.points) > 0",
        timeout=90_000,
    )
    first = _points(page)
    page.wait_for_function(
        f"() => Number(document.querySelector(\"[data-fold='0'] [data-chart=loss]\").dataset.points) > {first}",
        timeout=60_000,
    )
    screenshot(page, "training-03-live")
    page.wait_for_selector("#cw-root[data-status=succeeded]", timeout=120_000)
    screenshot(page, "training-04-succeeded")
    assert _points(page) > first
    assert TrainingJob.objects.get().status == "succeeded", worker.log_text()[-2000:]

    page.goto(f"{asgi_server.url}/projects/{project.slug}/models/")
    assert page.locator("#model-version-table tbody tr").count() == 2
    screenshot(page, "training-05-models")
