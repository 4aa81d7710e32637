"""A manager opens the learning curves from the training page, launches one from scratch and
from a pretrained version, watches its points arrive on a real worker, then reads the chart,
the held-out specimens and the plateau sentence, and downloads the CSV."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from cellweb.celery import app as celery_app
from tests.fixtures_live import login, screenshot
from tests.helpers_browser import LEARNING_CURVE, launch_from_form
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_training import SINGLE_THREAD_ENV, add_specimens

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def test_launch_watch_and_read_a_learning_curve(
    asgi_server, worker_factory, page, project, manager, make_volume
):
    celery_app.control.purge()
    add_specimens(project, make_volume, 3, sections=2, size=64)
    version = tiny_model_version(project, arch="unet16", input_size=64, name="pretrained tiny")

    login(page, asgi_server, "mona")
    page.goto(f"{asgi_server.url}/projects/{project.slug}/training/")
    page.click("[data-role=learning-curves]")
    page.wait_for_url(re.compile(r"/learning-curves/$"))
    page.fill("input[name=sizes]", "1,2")
    page.fill("input[name=seeds]", "1")
    page.select_option("select[name=start_version]", str(version.pk))
    page.fill("input[name=samples]", "24")
    page.fill("input[name=input_size]", "64")
    curve = launch_from_form(page, LEARNING_CURVE, shot="learning-curve-01-form")
    assert "0 of 4 points" in page.inner_text("[data-role=caption]")

    worker_factory(name="e2e-lcurve-worker", extra_env=SINGLE_THREAD_ENV)
    page.wait_for_selector("#cw-root[data-status=running]", timeout=120_000)
    page.wait_for_function(
        "() => Number(document.querySelector('#cw-root').dataset.points) >= 1 "
        "|| document.querySelector('[data-role=curve-figure]')",
        timeout=120_000,
    )
    screenshot(page, "learning-curve-02-running")

    # Succeeded: the page reloads with the stored figure, table and files.
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-role=curve-figure]'); return i && i.complete && i.naturalWidth > 0 }",
        timeout=180_000,
    )
    curve.refresh_from_db()
    assert curve.status == "succeeded", curve.error
    screenshot(page, "learning-curve-03-chart")
    assert curve.held_out[0]["name"] in page.inner_text("[data-role=held-out]")
    assert "pretrained curve reaches 90% of its plateau" in page.inner_text("[data-role=plateau]")
    assert page.locator("#curve-table tbody tr").count() == 2
    assert "native resolution" in page.inner_text("[data-role=map-grid]")
    with page.expect_download() as csv_info:
        page.click("[data-role=csv]")
    rows = list(csv.DictReader(io.StringIO(Path(csv_info.value.path()).read_text())))
    assert sorted((r["start"], r["n"]) for r in rows) == [
        ("pretrained", "1"),
        ("pretrained", "2"),
        ("scratch", "1"),
        ("scratch", "2"),
    ]
