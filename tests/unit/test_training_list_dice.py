"""The jobs list names its Dice and gives it over the sections with a nucleus too: a job whose
folds find no nucleus must not read as a fair model because empty sections score 1.0."""

from __future__ import annotations

import pytest

from inference.ml.metrics import SECTION_METRIC_KEYS
from inference.models import FoldRun
from inference.services.training import training_job_gather
from tests.helpers_training import add_specimens, tiny_job_launch


def test_jobs_list_gives_dice_over_all_sections_and_over_sections_with_a_nucleus(
    client, project, manager, make_volume
):
    add_specimens(project, make_volume, 4, sections=2)
    job = tiny_job_launch(project, manager)
    for fold, (all_sections, nucleus) in zip(
        job.folds.order_by("index"), [(0.3, 0.0), (0.34, 0.01)]
    ):
        FoldRun.objects.filter(pk=fold.pk).update(
            status="succeeded",
            metrics={
                **dict.fromkeys(SECTION_METRIC_KEYS, 0.0),
                "section_mean": dict.fromkeys(SECTION_METRIC_KEYS, all_sections),
                "section_mean_nucleus": dict.fromkeys(SECTION_METRIC_KEYS, nucleus),
                "sections": 6,
                "sections_nucleus": 4,
            },
        )
    training_job_gather(job.pk)
    client.force_login(manager)
    html = client.get(f"/projects/{project.slug}/training/").content.decode()
    row = html[html.index(f'data-job="{job.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "0.320" in row and "0.005" in row
    assert "Dice, mean over folds: all sections" in html and "with a nucleus" in html
    listed = client.get(f"/api/projects/{project.slug}/training-jobs/").json()["results"][0]
    assert listed["dice"] == pytest.approx(0.32)
    assert listed["dice_nucleus"] == pytest.approx(0.005)


def test_job_page_says_auc_pr_is_over_sections_with_a_nucleus_in_both_tables(
    client, project, manager, make_volume
):
    add_specimens(project, make_volume, 4, sections=2)
    job = tiny_job_launch(project, manager)
    for fold in job.folds.order_by("index"):
        FoldRun.objects.filter(pk=fold.pk).update(
            status="succeeded",
            metrics={
                "section_mean": dict.fromkeys(SECTION_METRIC_KEYS, 0.5),
                "section_mean_nucleus": dict.fromkeys(SECTION_METRIC_KEYS, 0.4),
                "sections": 6,
                "sections_nucleus": 4,
            },
        )
    training_job_gather(job.pk)
    client.force_login(manager)
    html = client.get(f"/training-jobs/{job.pk}/").content.decode()
    assert "both tables give it over the sections with a nucleus" in html
