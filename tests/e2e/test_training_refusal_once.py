"""A refused training launch is explained once: under its field (or above the form), not again
in the live run-time estimate line, which asks the same service; before any launch the estimate
line is where a problem shows."""

from __future__ import annotations

import pytest

from inference.models import TrainingJob
from tests.fixtures_live import login, screenshot
from tests.helpers_training import add_specimens

pytestmark = [pytest.mark.e2e]

ESTIMATE = "#training-estimate"


def _settled(page, state: str) -> None:
    page.wait_for_function(
        f"() => document.querySelector('{ESTIMATE}').dataset.state === '{state}'"
    )


def _form_with_four_specimens(asgi_server, page, project, make_volume) -> None:
    """The launch form of a project with 4 specimens with ground truth, its estimate shown."""
    add_specimens(project, make_volume, 4, sections=2, lab="KAIST")
    login(page, asgi_server, "mona")
    page.goto(f"{asgi_server.url}/projects/{project.slug}/training/")
    _settled(page, "ok")


def _times_shown(page, text: str) -> int:
    return page.inner_text("#training-launch").count(text)


def test_too_many_folds_is_said_under_the_field_only(
    asgi_server, page, project, manager, make_volume
):
    _form_with_four_specimens(asgi_server, page, project, make_volume)
    refusal = "5-fold cross-validation needs at least 5 specimens"

    # While editing, the estimate line is the only place that says it.
    page.fill("input[name=folds]", "5")
    _settled(page, "problem")
    assert _times_shown(page, refusal) == 1

    page.click("#training-launch-button")
    page.wait_for_selector('.cw-error[data-field="folds"]')
    _settled(page, "shown-above")
    screenshot(page, "training-refused-once")

    assert _times_shown(page, refusal) == 1
    assert refusal in page.inner_text('.cw-error[data-field="folds"]')
    assert refusal not in page.inner_text(ESTIMATE)
    assert TrainingJob.objects.count() == 0


def test_no_ground_truth_is_said_above_the_form_only(asgi_server, page, project, manager):
    login(page, asgi_server, "mona")
    page.goto(f"{asgi_server.url}/projects/{project.slug}/training/")
    _settled(page, "problem")
    problem = page.inner_text(ESTIMATE)
    assert problem  # before a launch the estimate line says why nothing can train

    page.click("#training-launch-button")
    page.wait_for_selector("#training-form-error")
    _settled(page, "shown-above")

    assert _times_shown(page, problem) == 1
    assert problem in page.inner_text("#training-form-error")
    assert TrainingJob.objects.count() == 0


def test_an_unconfirmed_long_run_is_explained_once_and_still_estimated(
    asgi_server, page, project, manager, make_volume
):
    _form_with_four_specimens(asgi_server, page, project, make_volume)

    page.click("#training-launch-button")  # the paper's 4 × 300 epochs, hours on CPU workers
    page.wait_for_selector("#training-confirm:not([hidden])")
    _settled(page, "ok")
    screenshot(page, "training-long-run-refused")

    assert _times_shown(page, "Confirm to launch it anyway.") == 1
    assert page.inner_text(ESTIMATE).startswith("Run-time estimate: ≈ ")
    assert TrainingJob.objects.count() == 0
