"""A manager activates a model, opens a time-lapse that has no ground truth, launches a
prediction, watches it finish on a real worker, reads the charts, downloads the TIFF and the
CSV, and toggles the active model's contours in the viewer."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
import tifffile

from cellweb.celery import app as celery_app
from inference.models import ModelVersion, Prediction
from tests.fixtures_live import login, screenshot
from tests.helpers_browser import PREDICTION, launch_from_form, work_queued_job
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_prediction import time_lapse

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

SHAPE = (6, 64, 64)


def test_activate_predict_watch_chart_download_and_toggle_contours(
    asgi_server, worker_factory, page, project, manager
):
    celery_app.control.purge()
    specimen, _ = time_lapse(project, "live-cell", times=3, shape=SHAPE, radius_um=2.5)
    version = tiny_model_version(project, input_size=64, name="OS-Net e2e")

    login(page, asgi_server, "mona")
    page.goto(f"{asgi_server.url}/projects/{project.slug}/models/")
    page.click(f"[data-activate='{version.pk}']")
    page.wait_for_load_state("networkidle")
    assert ModelVersion.objects.get(pk=version.pk).is_active
    page.goto(f"{asgi_server.url}/projects/{project.slug}/")
    assert "OS-Net e2e" in page.inner_text("#active-model")

    # The specimen has no ground truth: launch from the predictions page.
    page.goto(f"{asgi_server.url}/projects/{project.slug}/predictions/")
    page.check(f"input[name=specimen_ids][value='{specimen.pk}']")
    page.fill("input[name=min_voxels]", "8")
    prediction = launch_from_form(page, PREDICTION, shot="prediction-01-form")
    # Succeeded: the page reloads with the stored results.
    work_queued_job(
        page, worker_factory, PREDICTION, worker="e2e-predict-worker", shot="prediction-02-queued"
    )
    screenshot(page, "prediction-03-results")
    assert Prediction.objects.get(pk=prediction.pk).status == "succeeded"
    assert page.locator("#volume-table tbody tr").count() == 3
    chart = page.locator("figure[data-chart=volume_um3]")
    assert chart.count() == 1 and int(chart.get_attribute("data-points")) >= 1

    with page.expect_download() as tiff_info:
        page.locator("[data-role=tiff]").first.click()
    labels = tifffile.imread(tiff_info.value.path())
    assert labels.dtype == np.uint16 and labels.shape == SHAPE
    with page.expect_download() as csv_info:
        page.click("[data-role=csv]")
    rows = list(csv.DictReader(io.StringIO(Path(csv_info.value.path()).read_text())))
    assert {r["specimen"] for r in rows} <= {"live-cell"}
    assert len(rows) == sum(r.n_nuclei for r in prediction.results.all())

    # The viewer draws the active model's nuclei of the shown section, per time point.
    page.goto(f"{asgi_server.url}/specimens/{specimen.pk}/#t=1&z=3")
    page.wait_for_selector("[data-card=model-contours]")
    page.check("[data-role=model-contours]")
    page.wait_for_function(
        "() => document.querySelector('#cw-root').dataset.modelNuclei !== undefined"
    )
    caption = page.inner_text("[data-role=model-contours-caption]")
    assert "prediction" in caption, caption
    screenshot(page, "prediction-04-viewer-contours")
    page.keyboard.press("m")
    assert page.eval_on_selector("#cw-root", "r => r.dataset.modelContours") == "off"
