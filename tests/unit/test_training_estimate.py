"""The run-time estimate: calibrated by what finished folds took, stating its assumptions; hours
on CPU workers need a confirmation; and a refusal for too few specimens says what is missing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from inference.models import EpochLog, FoldRun, TrainingJob
from inference.services.training import TrainingConfig, training_estimate, training_job_launch
from inference.services.training.estimate import (
    DEFAULT_CALIBRATION,
    calibration_for,
    fold_nominal_seconds,
)
from tests.helpers_training import add_specimens, tiny_config, training_form


@pytest.fixture
def cells(project, make_volume):
    return add_specimens(project, make_volume, 4, sections=2)


@pytest.fixture
def on_cpu(settings):
    settings.TRAINING_ESTIMATE_DEVICE = "cpu"


def _finish(job: TrainingJob, *, epoch_seconds: float, wall: float, stagger: float = 0.0):
    """Mark every fold of ``job`` as run on a CPU: epochs of ``epoch_seconds``, ``wall`` in all;
    fold i starts ``stagger * i`` seconds after the first."""
    start = timezone.now() - timedelta(hours=1)
    for i, fold in enumerate(job.folds.order_by("index")):
        began = start + timedelta(seconds=stagger * i)
        FoldRun.objects.filter(pk=fold.pk).update(
            status="succeeded",
            attempts=1,
            device="cpu (2 threads)",
            started_at=began,
            finished_at=began + timedelta(seconds=wall),
        )
        for epoch in range(1, fold.epochs + 1):
            EpochLog.objects.create(fold=fold, epoch=epoch, seconds=epoch_seconds)


def _nominal(job: TrainingJob) -> list[float]:
    config = TrainingConfig.from_dict(job.config)
    return [
        fold_nominal_seconds(
            config,
            train_sections=f.train_sections,
            val_sections=f.val_sections,
            device_kind="cpu",
        )
        for f in job.folds.order_by("index")
    ]


def test_without_finished_folds_the_default_measured_here_is_used_and_stated(
    project, cells, on_cpu
):
    config = tiny_config(epochs=5)
    result = training_estimate(project=project, config=config)
    default = DEFAULT_CALIBRATION["cpu"]
    assert result["calibration"]["folds"] == 0
    assert result["calibration"]["source"] == default.source
    job = training_job_launch(project=project, user=None, config=config, queue=False)
    nominal = _nominal(job)
    expected = sum(n * default.speed_factor + default.overhead_s for n in nominal)
    assert result["estimate_s"] == pytest.approx(expected)
    assert "Assumes CPU workers" in result["assumptions"]
    assert "s per fold" in result["assumptions"]


def test_a_job_like_a_finished_one_is_estimated_at_what_that_one_took(
    project, manager, cells, on_cpu
):
    """The 2-fold x 5-epoch job of issue 11 was estimated at 9 s and took about 105 s."""
    config = tiny_config(epochs=5)
    first = training_job_launch(project=project, user=manager, config=config, queue=False)
    # Both folds at once, 5 epochs of 16 s each and 25 s of set-up and saving: 105 s in all.
    _finish(first, epoch_seconds=16.0, wall=105.0)
    calibration = calibration_for("cpu")
    assert calibration.folds == 2 and "measured on the last 2 finished folds" in calibration.source
    assert calibration.speed_factor == pytest.approx(2 * 80.0 / sum(_nominal(first)))
    assert calibration.overhead_s == pytest.approx(25.0)
    assert calibration.parallel == pytest.approx(2.0)

    result = training_estimate(project=project, config=config)
    assert result["estimate_s"] == pytest.approx(105.0, rel=0.01)
    assert "2 folds at a time" in result["assumptions"]
    assert result["long_run"] is None


def test_folds_one_after_the_other_are_added_up(project, manager, cells, on_cpu):
    config = tiny_config(epochs=2)
    first = training_job_launch(project=project, user=manager, config=config, queue=False)
    _finish(first, epoch_seconds=10.0, wall=30.0, stagger=30.0)
    assert calibration_for("cpu").parallel == pytest.approx(1.0)
    assert training_estimate(project=project, config=config)["estimate_s"] == pytest.approx(60.0)


def test_hours_on_cpu_workers_ask_for_confirmation_and_say_why(project, cells, on_cpu):
    paper = TrainingConfig(gt_source="consensus", folds=2)  # 300 epochs at 448 px
    result = training_estimate(project=project, config=paper)
    assert result["estimate_s"] > 3600
    assert "on CPU workers" in result["long_run"] and "300 epochs" in result["long_run"]
    assert "Confirm" in result["long_run"]
    assert training_estimate(project=project, config=tiny_config())["long_run"] is None


def test_the_same_hours_on_a_gpu_need_no_confirmation(project, cells, settings):
    settings.TRAINING_ESTIMATE_DEVICE = "cuda"
    result = training_estimate(project=project, config=TrainingConfig(folds=2, epochs=30))
    assert result["device_kind"] == "cuda" and result["long_run"] is None


def test_the_form_launches_hours_of_cpu_only_once_confirmed(
    client, project, manager, cells, queued, on_cpu
):
    client.force_login(manager)
    form = training_form()
    refused = client.post(f"/projects/{project.slug}/training/", form)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "on CPU workers" in html and 'name="confirm_long"' in html
    assert TrainingJob.objects.count() == 0

    launched = client.post(f"/projects/{project.slug}/training/", {**form, "confirm_long": "on"})
    assert launched.status_code == 302 and TrainingJob.objects.count() == 1
    # The banner states what happened, not a status that the job page would soon contradict.
    banner = client.get(launched["Location"]).content.decode()
    assert "launched; this page follows it live" in banner and "is queued" not in banner


def test_too_few_specimens_for_two_folds_says_what_is_missing_not_fewer_folds(project, make_volume):
    add_specimens(project, make_volume, 1, sections=2)
    result = training_estimate(project=project, config=tiny_config(folds=2))
    problem = result["errors"]["folds"]
    assert "fewer folds" not in problem and "at most" not in problem
    assert "at least 2 specimens" in problem and "1 more specimen" in problem


def test_too_few_specimens_for_many_folds_offers_the_folds_that_fit(project, make_volume):
    add_specimens(project, make_volume, 3, sections=2)
    problem = training_estimate(project=project, config=tiny_config(folds=5))["errors"]["folds"]
    assert "Use at most 3 folds" in problem and "2 more specimens" in problem
