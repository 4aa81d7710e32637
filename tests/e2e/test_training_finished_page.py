"""A finished training job's page in Chromium: nothing on it still says queued, live or waiting."""

from __future__ import annotations

from urllib.request import urlopen

import pytest

from inference.ml.metrics import SECTION_METRIC_KEYS
from inference.models import EpochLog, FoldRun
from inference.services.training import training_job_gather, training_job_launch
from tests.fixtures_live import login, screenshot
from tests.helpers_training import add_specimens, tiny_config

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _finished_job(project, manager, make_volume):
    add_specimens(project, make_volume, 4, sections=2)
    job = training_job_launch(
        project=project,
        user=manager,
        config=tiny_config(epochs=4, final_model=True),
        queue=False,
    )
    losses = [0.9, 0.6, 0.4, 0.3]
    for fold in job.folds.order_by("index"):
        final = fold.kind == "final"
        metrics = (
            {}
            if final
            else {
                "dice": 0.5,
                "section_mean": dict.fromkeys(SECTION_METRIC_KEYS, 0.8 - 0.1 * fold.index),
                "section_mean_nucleus": dict.fromkeys(SECTION_METRIC_KEYS, 0.6 - 0.1 * fold.index),
                "sections": 4,
                "sections_nucleus": 3,
            }
        )
        FoldRun.objects.filter(pk=fold.pk).update(
            status="succeeded", epoch=4, metrics=metrics, device="cpu (1 threads)", worker="w1"
        )
        for epoch, loss in enumerate(losses, start=1):
            EpochLog.objects.create(
                fold=fold,
                epoch=epoch,
                train_loss=loss,
                val_loss=None if final else loss + 0.05,
                val_dice=None if final else 0.2 * epoch,
            )
    training_job_gather(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded"
    return job


def test_a_finished_job_page_shows_finished_state_charts_summary_and_the_next_step(
    asgi_server, page, project, manager, make_volume
):
    job = _finished_job(project, manager, make_volume)
    # The server's first request imports the whole site: on a loaded host longer than a page load
    # may wait, so it is made here first.
    urlopen(f"{asgi_server.url}/accounts/login/", timeout=120).read()
    login(page, asgi_server, "mona")
    page.goto(f"{asgi_server.url}/training-jobs/{job.pk}/")
    page.wait_for_selector("#cw-root[data-status=succeeded]")
    page.wait_for_selector(".cw-conn[data-conn=closed]")

    head = page.inner_text(".cw-page-head")
    assert "succeeded" in head and "queued" not in head.lower() and "Live" not in head
    assert page.inner_text(".cw-conn") == "Finished"

    # The final model has no validation set: a note instead of a chart that waits.
    final = page.locator("[data-fold='2']")
    assert final.locator("[data-chart=dice]").is_hidden()
    assert final.locator("[data-chart=no-validation]").is_visible()
    assert "Waiting for the first values" not in page.inner_text("#cw-root")

    # The loss y axis is labelled up to the top of the curve (0.95 here), not only to 0.5.
    labels = page.eval_on_selector_all(
        "[data-fold='0'] [data-chart=loss] .cw-chart-grid text[text-anchor=end]",
        "els => els.map(e => Number(e.textContent))",
    )
    assert max(labels) >= 0.95, labels

    summary = page.inner_text("[data-card=summary]")
    assert "Over all sections" in summary and "Over sections with a nucleus" in summary
    assert "mean ± sample SD over the folds' means" in summary
    assert "F0.5" in summary and "f05" not in summary
    assert page.inner_text("[data-card=summary] tbody tr th") == "Dice"  # the paper's order
    assert "0.750 ± 0.071" in summary or "0.7500 ± 0.0707" in summary, summary

    link = page.locator(".cw-page-head [data-role=evaluate-model]")
    assert link.is_visible()
    screenshot(page, "training-finished-job")
    link.click()
    page.wait_for_url(f"**/evaluations/?job={job.pk}&set_kind=cross_validation#evaluation-form")
    assert page.locator("select[name=set_kind]").input_value() == "cross_validation"
