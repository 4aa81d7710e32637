"""In Chromium: an annotator opens a section of a project with an active model, loads the
model's proposal with M, corrects it with the brush and submits; the revision records the model
version, the correction effort is measured against the proposal the editor loaded, and the
reviewer reads "1 of 1 annotation started from a model proposal", "started from model version N
· correction Dice D" and the dashboard's effort per model version."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from annotations.models import AnnotationRevision, CorrectionEffort, Section
from inference.models import PredictionResult
from inference.services.prediction import prediction_launch, prediction_run
from tests.e2e.test_annotate_flow import BUNDLE, drag, editor_ready
from tests.fixtures_live import login, screenshot
from tests.helpers_browser import editor_mask, submit_in_editor
from tests.helpers_prediction import time_lapse

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SHAPE = (6, 96, 96)


def shown(page) -> np.ndarray:
    return editor_mask(page, SHAPE[1:]) > 0


def test_load_the_proposal_correct_it_submit_and_the_reviewer_sees_its_origin(
    asgi_server, page, browser, project, manager, annotator, reviewer, active_model, known_nuclei
):
    if not BUNDLE.exists():
        pytest.fail("The front end is not built: run `cd frontend && npm run build` first.")
    project.proposals = "offered"
    project.required_annotations = 1
    project.save(update_fields=["proposals", "required_annotations"])
    specimen, masks = time_lapse(project, "proposal-cell", times=1, shape=SHAPE, radius_um=4.0)
    prediction = prediction_launch(project=project, user=manager, queue=False)
    assert prediction_run(prediction_id=prediction.pk, device="cpu").status == "succeeded"
    result = PredictionResult.objects.get(prediction=prediction)
    section = Section.objects.get(volume=result.volume, z=3)
    truth = masks[0][3]
    assert truth.sum() > 500

    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, asgi_server, "alice")
    page.goto(f"{asgi_server.url}/sections/{section.pk}/annotate/")
    editor_ready(page)
    assert not shown(page).any()
    button = page.locator("[data-testid=load-proposal]")
    assert button.is_visible()
    page.keyboard.press("m")
    page.wait_for_function("() => Array.from(window.cellweb.editor.getMask()).some((v) => v > 0)")
    assert np.array_equal(shown(page), truth)
    screenshot(page, "proposal-loaded")

    # Correct it: a brush stroke outside the proposed nucleus.
    page.keyboard.press("b")
    drag(page, [(8, 85), (30, 85)])
    corrected = shown(page)
    assert corrected.sum() > truth.sum() and corrected[85, 20]
    annotation = submit_in_editor(page, section.pk, annotator)
    revisions = AnnotationRevision.objects.filter(annotation=annotation)
    assert set(revisions.values_list("origin", "origin_model_version")) == {
        ("model", active_model.pk)
    }
    screenshot(page, "proposal-submitted")
    effort = CorrectionEffort.objects.get(annotation=annotation)
    dice = f1_score(truth.ravel(), corrected.ravel())
    assert effort.origin_model_version == active_model.pk
    assert effort.proposal_dice == pytest.approx(dice)
    assert effort.changed_pixels == int(np.logical_xor(truth, corrected).sum()) > 0
    assert effort.active_time_s > 0

    reviewer_page = browser.new_page()
    login(reviewer_page, asgi_server, "rita")
    reviewer_page.goto(f"{asgi_server.url}/sections/{section.pk}/review/")
    anchoring = reviewer_page.locator("#proposal-anchoring")
    assert "1 of 1" in anchoring.inner_text()
    assert f"model version {active_model.pk}" in anchoring.inner_text()
    origin = reviewer_page.locator("#annotation-origins li[data-annotator=alice]")
    assert (
        f"started from model version {active_model.pk} · correction Dice {dice:.2f}"
        in origin.inner_text()
    )
    screenshot(reviewer_page, "proposal-review")
    reviewer_page.goto(f"{asgi_server.url}/projects/{project.slug}/dashboard/")
    row = reviewer_page.locator(f"#effort-table tr[data-model-version='{active_model.pk}']")
    assert row.get_attribute("data-n") == "1"
    assert f"{dice:.3f}" in row.inner_text()
    screenshot(reviewer_page, "proposal-effort-dashboard")
    assert errors == []
