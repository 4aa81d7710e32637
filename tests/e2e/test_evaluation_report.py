"""A manager launches a cross-modality evaluation from the form, watches it turn into the
report, toggles the overlay layers in the gallery and downloads the CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

from cellweb.celery import app as celery_app
from inference.ml.fluorescence import FluorescenceGTParams
from inference.models import SectionResult
from inference.services.evaluation.labels import truth_labels
from inference.services.fluorescence_gt import fluorescence_gt_create
from tests.fixtures_live import login, screenshot
from tests.helpers_browser import EVALUATION, launch_from_form, work_queued_job
from tests.helpers_evaluation import run_evaluation, tiny_model_version
from tests.integration.test_evaluation_worker import SHAPE, demo_like

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _hidden(page, layer: str) -> list[bool]:
    return page.eval_on_selector_all(f"[data-layer-img='{layer}']", "els => els.map(e => e.hidden)")


def test_manager_evaluates_then_reads_the_report_toggles_overlays_and_downloads_the_csv(
    asgi_server, worker_factory, page, project, manager, reviewer
):
    celery_app.control.purge()
    demo_like(project)
    fluorescence_gt_create(
        project=project, user=reviewer, params=FluorescenceGTParams(scope="volume")
    )
    version = tiny_model_version(project, input_size=64, name="OS-Net e2e")

    login(page, asgi_server, "mona")
    page.goto(f"{asgi_server.url}/projects/{project.slug}/evaluations/")
    page.select_option("select[name=model_version]", str(version.pk))
    page.select_option("select[name=set_kind]", "cross_modality")
    evaluation = launch_from_form(page, EVALUATION, shot="evaluation-01-form")
    # No worker yet: the live job page waits for one, then follows it.
    page.wait_for_selector("#cw-root[data-status=queued] [data-fold='-1']")
    # The live page becomes the report once the worker is done.
    work_queued_job(
        page, worker_factory, EVALUATION, worker="e2e-eval-worker", shot="evaluation-02a-queued"
    )
    screenshot(page, "evaluation-02-report")
    rows = page.locator("#summary-table tbody tr[data-scope='Whole set']")
    assert rows.count() == 3
    assert "OS-Net e2e" in page.inner_text("#summary-table")
    for name in ("pr_curves", "dice_boxplot", "volume_agreement", "orthogonal", "worst"):
        assert page.eval_on_selector(
            f"figure[data-figure={name}] img", "img => img.complete && img.naturalWidth > 100"
        ), name

    # The CSV download holds every per-section and per-volume number.
    with page.expect_download() as download_info:
        page.click("[data-role=csv-download]")
    text = Path(download_info.value.path()).read_text(encoding="utf-8")
    table = list(csv.DictReader(io.StringIO(text)))
    sections = [r for r in table if r["level"] == "section"]
    assert (
        len(sections)
        == SectionResult.objects.filter(evaluation=evaluation).count()
        == 3 * 3 * SHAPE[0]
    )
    assert {r["method"] for r in table} == {"model", "edge", "otsu"}
    assert [r for r in table if r["level"] == "volume"]

    # Gallery: worst Dice first, each layer toggled by its checkbox.
    page.click("[data-role=gallery]")
    page.wait_for_selector(".cw-overlay img[data-layer-img=gt]")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.cw-overlay img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    screenshot(page, "evaluation-03-gallery")
    items = page.locator(".cw-gallery-item")
    assert items.count() == 12
    dices = [
        float(d)
        for d in page.eval_on_selector_all(
            ".cw-gallery-item", "els => els.map(e => e.dataset.dice)"
        )
    ]
    assert dices == sorted(dices)
    assert not any(_hidden(page, "pred"))
    page.uncheck("input[data-layer=pred]")
    assert all(_hidden(page, "pred")) and not any(_hidden(page, "gt"))
    page.uncheck("input[data-layer=edge]")
    assert all(_hidden(page, "edge"))
    screenshot(page, "evaluation-04-gallery-gt-only")
    page.check("input[data-layer=pred]")
    assert not any(_hidden(page, "pred"))
    first = page.locator(".cw-gallery-item").first
    assert first.locator("img.cw-stain").count() == 1, "the paired fluorescence sits beside"

    # Only sections with a nucleus in the ground truth, each subset with its mean Dice.
    page.click("#subsets a[data-subset=nucleus]")
    page.wait_for_selector("#subsets a[data-subset=nucleus][aria-current=page]")
    assert page.locator(".cw-gallery-item[data-has-nucleus=false]").count() == 0
    assert "mean over these sections" in page.inner_text("#subsets")

    # The standalone report opens on its own; a figure without data (no time-lapse here) is
    # left out with its reason.
    page.goto(f"{asgi_server.url}/evaluations/{evaluation.pk}/report.html")
    assert page.locator("figure[data-figure]").count() == 7  # the per-class figure too
    assert page.locator("figure[data-figure] img").count() == 6
    assert "several time points" in page.inner_text("figure[data-figure=timelapse]")
    screenshot(page, "evaluation-05-standalone")

    # A baselines-only run on the same set, compared side by side from the list.
    baselines = run_evaluation(project, manager, set_kind="cross_modality")
    page.goto(f"{asgi_server.url}/projects/{project.slug}/evaluations/")
    page.check(f"input[name=a][value='{evaluation.pk}']")
    page.check(f"input[name=b][value='{baselines.pk}']")
    page.click("#compare-form button[type=submit]")
    page.wait_for_selector("#compare-table")
    screenshot(page, "evaluation-06-compare")
    # model / edge-based, edge-based / edge-based and Otsu / Otsu, 6 metrics each
    assert page.locator("#compare-table tbody tr").count() == 18
    assert f"{3 * SHAPE[0]} sections scored by both" in page.inner_text("#compare-scatter")


def test_reviewer_inspects_and_confirms_a_fluorescence_mask_with_the_review_tools(
    asgi_server, page, project, reviewer
):
    demo_like(project, n=1)
    fluorescence_gt_create(
        project=project, user=reviewer, params=FluorescenceGTParams(scope="volume")
    )
    from annotations.models import GroundTruth, Section

    section = Section.objects.get(project=project, is_label_free=True, z=SHAPE[0] // 2)

    login(page, asgi_server, "rita")
    page.goto(f"{asgi_server.url}/projects/{project.slug}/fluorescence-gt/")
    page.select_option("select[name=scope]", "volume")
    page.select_option("select[name=section]", str(section.pk))
    page.click("[data-role=preview]")
    page.wait_for_selector("#fl-preview")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#fl-preview img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    screenshot(page, "fluorescence-gt-00-preview")
    assert "threshold used" in page.inner_text("#fl-preview")

    page.goto(f"{asgi_server.url}/sections/{section.pk}/fluorescence-gt/")
    page.wait_for_selector("#cw-root canvas")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#fl-mask img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    screenshot(page, "fluorescence-gt-01-section")
    assert "fluorescence v1" in page.inner_text("#fl-version")
    # The proposal here is the stain's mask, and the page calls it that.
    assert page.get_by_role("button", name="Edit fluorescence mask").count() == 1
    assert "consensus" not in page.inner_text("#fl-edit").lower()
    assert page.get_by_role("button", name="Send back").count() == 0
    assert page.locator("[data-card=agreement]").count() == 0
    # The default set has nucleus instances: the mask opens with the class palette and its
    # nuclei numbered as the watershed splits them, ready to cut (K) or merge (Alt).
    page.get_by_role("button", name="Edit fluorescence mask").click()
    assert page.locator(".cw-palette .cw-class").count() == 1
    first = GroundTruth.objects.get(section=section, source="fluorescence", version=1)
    split = truth_labels(bytes(first.mask_png), "fluorescence", [1], [1], section.shape)
    ids = np.asarray(page.evaluate("() => Array.from(window.cellweb.editor.getInstances())"))
    assert len(set(ids.tolist()) - {0}) == len(split.classes) >= 1
    page.click("[data-card=actions] button:has-text('Confirm')")
    page.wait_for_selector("[data-result=success]")
    assert "version 2" in page.inner_text("[data-result=success]")
    screenshot(page, "fluorescence-gt-02-confirmed")
    truth = GroundTruth.objects.get(section=section, source="fluorescence", is_current=True)
    assert truth.version == 2 and truth.reviewer == reviewer
    assert bytes(truth.mask_png) == bytes(first.mask_png)  # unedited: the binary bytes as before
