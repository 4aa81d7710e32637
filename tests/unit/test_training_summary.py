"""A training job's cross-validation summary: per-section means per fold, then mean ± SD over the
folds, over all held-out sections and over those with a nucleus, named as the report names them."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import f1_score

from inference.models import FoldRun
from inference.reports.labels import AGGREGATIONS, NUCLEUS_DEFINITION, SUBSETS
from inference.selectors.training import training_summary_tables
from inference.services.training import training_job_gather
from inference.services.training.fold_run import held_out_metrics
from inference.services.training.fold_trainer import TrainedFold
from inference.services.training.summary import cross_validation_summary
from tests.helpers_training import add_specimens, tiny_job_launch


def _fold_metrics(all_dice: float, nucleus_dice: float, n: int, n_nucleus: int) -> dict:
    keys = ("dice", "jaccard", "f05", "precision", "recall", "auc_pr")
    return {
        "dice": 0.5,  # pooled: must not be the headline
        "section_mean": dict.fromkeys(keys, all_dice),
        "section_mean_nucleus": dict.fromkeys(keys, nucleus_dice),
        "sections": n,
        "sections_nucleus": n_nucleus,
    }


def test_held_out_metrics_average_sections_and_leave_empty_ones_out_of_the_nucleus_subset():
    rng = np.random.default_rng(1)
    truth = np.zeros((6, 16, 16), bool)
    truth[:3, 4:10, 4:10] = True  # three sections with a nucleus, three empty
    pred = truth.copy()
    pred[0] = False  # a missed nucleus: Dice 0
    pred[1, 4:10, 4:7] = False  # half found
    pred[2] |= rng.random((16, 16)) > 0.9  # a few false positives
    # sections 3..5: empty in both, Dice 1.0 in "all sections" only
    logits = torch.from_numpy(np.where(pred, 6.0, -6.0)[:, None].astype(np.float32))
    trained = TrainedFold(
        model=torch.nn.Identity(),
        val_x=logits,
        val_y=torch.from_numpy(truth[:, None].astype(np.float32)),
    )
    metrics = held_out_metrics(trained, device=torch.device("cpu"), batch_size=4)

    def dice(i: int) -> float:  # scikit-learn's F1 of one section; empty in both counts 1.0
        return f1_score(truth[i].ravel(), pred[i].ravel(), zero_division=1.0)

    assert metrics["sections"] == 6 and metrics["sections_nucleus"] == 3
    assert metrics["section_mean"]["dice"] == pytest.approx(np.mean([dice(i) for i in range(6)]))
    assert metrics["section_mean_nucleus"]["dice"] == pytest.approx(
        np.mean([dice(i) for i in range(3)])
    )
    assert metrics["section_mean_nucleus"]["dice"] < metrics["section_mean"]["dice"]
    pooled = f1_score(truth.ravel(), pred.ravel())
    assert metrics["dice"] == pytest.approx(pooled)


def test_summary_is_the_mean_over_folds_of_section_means_for_both_subsets():
    summary = cross_validation_summary(
        [_fold_metrics(0.9, 0.6, 10, 4), _fold_metrics(0.8, 0.4, 12, 6)]
    )
    all_dice = summary["subsets"]["all"]["metrics"]["dice"]
    nucleus_dice = summary["subsets"]["nucleus"]["metrics"]["dice"]
    assert all_dice["per_fold"] == [0.9, 0.8]
    assert all_dice["mean"] == pytest.approx(0.85)
    assert all_dice["std"] == pytest.approx(np.std([0.9, 0.8], ddof=1))
    assert nucleus_dice["mean"] == pytest.approx(0.5)
    assert summary["subsets"]["nucleus"]["sections"] == [4, 6]
    assert summary["metrics"] == summary["subsets"]["all"]["metrics"]  # the headline: all
    assert summary["pooled"]["dice"]["mean"] == pytest.approx(0.5)
    assert all_dice["label"] == "Dice" and summary["metrics"]["f05"]["label"] == "F0.5"


def test_the_job_page_names_its_aggregation_with_the_reports_words():
    summary = cross_validation_summary([_fold_metrics(0.9, 0.6, 10, 4)] * 2)
    assert summary["aggregation"].startswith(AGGREGATIONS["folds"])
    assert [s["label"] for s in summary["subsets"].values()] == list(SUBSETS.values())
    assert summary["nucleus_definition"] == NUCLEUS_DEFINITION
    tables = training_summary_tables(summary)
    assert [t["title"] for t in tables["tables"]] == ["all sections", "sections with a nucleus"]
    assert tables["aggregation"] == summary["aggregation"]


def test_an_older_pooled_summary_says_it_is_pooled():
    keys = ("dice", "jaccard", "f05", "precision", "recall", "auc_pr")
    summary = cross_validation_summary([dict.fromkeys(keys, 0.7), dict.fromkeys(keys, 0.9)])
    assert summary["metrics"]["dice"]["mean"] == pytest.approx(0.8)
    assert "pooled" in summary["aggregation"] and summary["subsets"] == {}
    tables = training_summary_tables(summary)
    assert len(tables["tables"]) == 1 and "pooled" in tables["aggregation"]


def test_job_page_shows_both_subsets_and_the_evaluate_link_when_done(
    client, project, manager, make_volume
):
    add_specimens(project, make_volume, 4, sections=2)
    job = tiny_job_launch(project, manager)
    for fold, (a, n) in zip(job.folds.order_by("index"), [(0.9, 0.6), (0.7, 0.2)]):
        FoldRun.objects.filter(pk=fold.pk).update(
            status="succeeded", metrics=_fold_metrics(a, n, 4, 2)
        )
    training_job_gather(job.pk)
    client.force_login(manager)
    html = client.get(f"/training-jobs/{job.pk}/").content.decode()
    assert 'data-subset="all"' in html and 'data-subset="nucleus"' in html
    assert "mean ± sample SD over the folds&#x27; means" in html
    assert "0.8000 ± 0.1414" in html and "0.4000 ± 0.2828" in html
    assert (
        f"/projects/{project.slug}/evaluations/?job={job.pk}&amp;set_kind=cross_validation" in html
    )
    api = client.get(f"/api/training-jobs/{job.pk}/").json()
    assert api["summary"]["subsets"]["nucleus"]["metrics"]["dice"]["mean"] == pytest.approx(0.4)


def test_the_evaluate_link_preselects_the_jobs_model_and_cross_validation(
    client, project, manager, make_volume
):
    from inference.models import ModelVersion

    add_specimens(project, make_volume, 4, sections=2)
    job = tiny_job_launch(project, manager)
    fold = job.folds.get(index=0)
    version = ModelVersion.objects.create(
        project=project, name="job version", arch="unet16", kind="fold", job=job, fold=fold
    )
    ModelVersion.objects.create(project=project, name="newer, other", arch="unet16", kind="fold")
    client.force_login(manager)
    html = client.get(
        f"/projects/{project.slug}/evaluations/?job={job.pk}&set_kind=cross_validation"
    ).content.decode()
    assert f'<option value="{version.pk}" selected>' in html
    assert '<option value="cross_validation" selected>' in html


@pytest.mark.usefixtures("single_thread_torch")
def test_job_page_and_cross_validation_report_give_the_same_numbers(project, manager, make_volume):
    """Item 3's point: one aggregation, the same numbers on the job page and in the report."""
    from inference.reports.sections import nucleus_blocks
    from inference.services.training import training_job_run_foreground
    from tests.helpers_evaluation import run_evaluation

    add_specimens(project, make_volume, 4, sections=3)
    job = tiny_job_launch(project, manager, epochs=1)
    job = training_job_run_foreground(job=job)
    version = job.model_versions.order_by("pk").first()
    done = run_evaluation(project, manager, version=version, set_kind="cross_validation")
    report_all = done.summary["by_method"]["model"]["fold_means"]
    report_nucleus = nucleus_blocks(done, ["model"])["model"]["fold_means"]
    page = job.summary["subsets"]
    for key in ("dice", "precision", "recall"):
        assert page["all"]["metrics"][key]["mean"] == pytest.approx(
            report_all[key]["mean"], abs=1e-6
        )
        assert page["nucleus"]["metrics"][key]["mean"] == pytest.approx(
            report_nucleus[key]["mean"], abs=1e-6
        )
