"""A final model has no held-out sections of its own: the Models and Compare pages show, in its
metric cells, the mean over its job's folds of the folds' pooled values, as their notes say, so
the number sits beside the fold rows on the same footing."""

from __future__ import annotations

import pytest

from inference.ml.metrics import SECTION_METRIC_KEYS
from inference.models import FoldRun, ModelVersion
from inference.services.training import training_job_gather
from tests.helpers_training import add_specimens, tiny_job_launch


def _fold_metrics(pooled: float, section_mean: float) -> dict:
    return {
        **dict.fromkeys(SECTION_METRIC_KEYS, pooled),  # the fold's own numbers: pixels pooled
        "section_mean": dict.fromkeys(
            SECTION_METRIC_KEYS, section_mean
        ),  # empty sections count 1.0 here
        "section_mean_nucleus": dict.fromkeys(SECTION_METRIC_KEYS, pooled - 0.1),
        "sections": 6,
        "sections_nucleus": 3,
    }


@pytest.fixture
def finished_job(project, manager, make_volume):
    add_specimens(project, make_volume, 4, sections=2)
    job = tiny_job_launch(project, manager, final_model=True)
    folds = list(job.folds.order_by("index"))
    # Folds that miss every nucleus (pooled 0.0 and 0.1) on stacks with many empty sections.
    for fold, (pooled, mean) in zip(folds, [(0.0, 0.3), (0.1, 0.5)]):
        FoldRun.objects.filter(pk=fold.pk).update(
            status="succeeded", metrics=_fold_metrics(pooled, mean)
        )
    final = folds[-1]
    assert final.kind == "final"
    FoldRun.objects.filter(pk=final.pk).update(status="succeeded", metrics={})
    version = ModelVersion.objects.create(
        project=project, name="final", arch="unet16", kind="final", job=job, fold=final
    )
    training_job_gather(job.pk)
    version.refresh_from_db()
    return job, version


def test_final_models_cv_metrics_are_the_mean_of_the_folds_pooled_values(finished_job):
    _job, version = finished_job
    assert version.metrics["cross_validation"]["dice"] == pytest.approx(0.05)
    assert version.metrics["cross_validation"]["auc_pr"] == pytest.approx(0.05)


def test_models_page_shows_the_final_models_pooled_mean(client, manager, project, finished_job):
    client.force_login(manager)
    html = client.get(f"/projects/{project.slug}/models/").content.decode()
    assert "0.050" in html and "0.400" not in html
