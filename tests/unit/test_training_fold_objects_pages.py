"""The folds' nuclei scores reach the job summary (mean ± SD over folds), the job page, the final
model and the Models and Compare pages, named with their threshold; jobs trained before nuclei
were scored show none (absent or "—", never 0)."""

from __future__ import annotations

import numpy as np
import pytest

from inference.ml.metrics import SECTION_METRIC_KEYS
from inference.models import FoldRun, ModelVersion
from inference.selectors.model_versions import model_version_metric
from inference.services.training import training_job_gather
from inference.services.training.summary import cross_validation_summary
from tests.helpers_training import add_specimens, tiny_job_launch


def _fold_metrics(f1: float | None) -> dict:
    metrics = {
        **dict.fromkeys(SECTION_METRIC_KEYS, 0.8),
        "section_mean": dict.fromkeys(SECTION_METRIC_KEYS, 0.7),
        "sections": 4,
    }
    if f1 is not None:
        metrics["objects"] = {
            "precision_iou50": f1,
            "recall_iou50": f1,
            "f1_iou50": f1,
            "map": f1 / 2,
            "n_gt": 12,
            "sections": 4,
            "pred_instances": "instance head (distance)",
            "gt_instances": "stored instance ids",
            "aggregation": "each fold: counts pooled over the fold's held-out sections",
        }
    return metrics


def _finish(project, manager, f1s):
    job = tiny_job_launch(project, manager, final_model=True)
    folds = list(job.folds.order_by("index"))
    for fold, f1 in zip(folds, f1s):
        FoldRun.objects.filter(pk=fold.pk).update(status="succeeded", metrics=_fold_metrics(f1))
        ModelVersion.objects.create(
            project=project,
            name=f"fold {fold.index}",
            arch="unet16",
            kind="fold",
            job=job,
            fold=fold,
            metrics=_fold_metrics(f1),
        )
    FoldRun.objects.filter(pk=folds[-1].pk).update(status="succeeded", metrics={})
    final = ModelVersion.objects.create(
        project=project, name="final", arch="unet16", kind="final", job=job, fold=folds[-1]
    )
    training_job_gather(job.pk)
    job.refresh_from_db()
    final.refresh_from_db()
    return job, final


@pytest.fixture
def specimens(project, make_volume):
    add_specimens(project, make_volume, 4, sections=2)


def test_the_summary_gives_each_folds_nuclei_and_their_mean_and_sd(project, manager, specimens):
    job, final = _finish(project, manager, [0.61, 0.83])
    f1 = job.summary["objects"]["metrics"]["f1_iou50"]
    assert f1["label"] == "Object F1 (IoU > 0.5)"
    assert f1["per_fold"] == [0.61, 0.83]
    assert f1["mean"] == pytest.approx(0.72)
    assert f1["std"] == pytest.approx(np.std([0.61, 0.83], ddof=1))
    assert job.summary["objects"]["aggregation"].startswith("mean ± sample SD over folds (")
    assert final.metrics["cross_validation"]["map"] == pytest.approx(0.36)
    assert model_version_metric(final.metrics, "f1_iou50") == (pytest.approx(0.72), True)


def test_jobs_scored_before_nuclei_have_no_nuclei_numbers():
    assert "objects" not in cross_validation_summary([_fold_metrics(None), _fold_metrics(None)])
    # One fold without them: a mean over the others would pass for the job's; none is given.
    assert "objects" not in cross_validation_summary([_fold_metrics(0.5), _fold_metrics(None)])
    assert model_version_metric(_fold_metrics(None), "f1_iou50") == (None, True)
    assert model_version_metric(_fold_metrics(0.5), "f1_iou50") == (0.5, False)


def test_the_pages_show_nuclei_named_with_their_threshold(client, manager, project, specimens):
    job, _final = _finish(project, manager, [0.61, 0.83])
    client.force_login(manager)
    page = client.get(f"/training-jobs/{job.pk}/").content.decode()
    assert 'data-subset="objects"' in page and "Object F1 (IoU &gt; 0.5)" in page
    assert "counts pooled over the fold&#x27;s held-out sections" in page
    models = client.get(f"/projects/{project.slug}/models/").content.decode()
    assert "Object F1 (IoU &gt; 0.5)" in models and "mAP (IoU 0.50:0.05:0.95)" in models
    ids = "&".join(f"ids={v.pk}" for v in ModelVersion.objects.filter(job=job))
    compare = client.get(f"/projects/{project.slug}/models/compare/?{ids}").content.decode()
    assert 'data-metric="f1_iou50"' in compare and "0.8300" in compare


def test_an_older_jobs_page_shows_no_nuclei_table(client, manager, project, specimens):
    job, _final = _finish(project, manager, [None, None])
    client.force_login(manager)
    page = client.get(f"/training-jobs/{job.pk}/").content.decode()
    assert 'data-subset="all"' in page and 'data-subset="objects"' not in page
