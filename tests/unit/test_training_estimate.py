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
    FOLD_SETUP_S,
    Calibration,
    calibration_for,
    fold_nominal_seconds,
    held_out_nominal_seconds,
    job_seconds,
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


def _nominal(job: TrainingJob, *, held_out: bool = False) -> list[float]:
    """Each fold's epochs at the benchmark figures, and with ``held_out`` its held-out pass."""
    config = TrainingConfig.from_dict(job.config)
    return [
        fold_nominal_seconds(
            config,
            train_sections=f.train_sections,
            val_sections=f.val_sections,
            device_kind="cpu",
        )
        + (
            held_out_nominal_seconds(config, val_sections=f.val_sections, device_kind="cpu")
            if held_out
            else 0.0
        )
        for f in job.folds.order_by("index")
    ]


def test_the_estimate_adds_epochs_held_out_pass_and_native_pixels_as_documented():
    """docs/training.md: Σ (nominal × speed factor + set-up + megapixels × s/megapixel) / folds at
    a time, nominal being the epochs plus the held-out pass at the benchmark figures."""
    config = TrainingConfig(arch="osnet", epochs=2, input_size=224, aug_fraction=0.3)
    # OS-Net on a CPU: 2.0 training sections/s, 0.097 s per inferred section, at 448 px.
    epochs = fold_nominal_seconds(config, train_sections=10, val_sections=5, device_kind="cpu")
    assert epochs == pytest.approx(2 * (10 * 1.3 / 2.0 + 5 * 0.097) / 4)
    held_out = held_out_nominal_seconds(config, val_sections=5, device_kind="cpu")
    assert held_out == pytest.approx(5 * 0.097 / 4)
    calibration = Calibration("cpu", 4.0, 0.5, 2.0, 3, "known inputs")
    seconds = job_seconds([10.0, 20.0, 30.0], calibration, [2.0, 4.0, 0.0])
    busy = (10 + 20 + 30) * 4.0 + 3 * FOLD_SETUP_S + (2.0 + 4.0) * 0.5
    assert seconds == pytest.approx(busy / 2.0)
    # More folds at a time than there are folds: the folds, not the setting.
    alone = job_seconds([10.0], Calibration("cpu", 4.0, 0.5, 3.0, 3, "known inputs"), [2.0])
    assert alone == pytest.approx(10 * 4.0 + FOLD_SETUP_S + 1.0)
    assert job_seconds([], calibration, []) == 0.0


def test_a_tiny_job_is_estimated_at_seconds_not_minutes_before_any_fold_finished(
    project, cells, on_cpu
):
    """bench/train_estimate.py: a 2-fold job over 8 sections of 32 px takes a few seconds here;
    a fixed minute per fold and a speed factor measured under heavy load made it ~100 s."""
    result = training_estimate(project=project, config=tiny_config())
    assert result["calibration"]["folds"] == 0
    assert result["estimate_s"] < 5.0


def test_reading_and_scoring_cost_by_the_native_sections_pixels(project, make_volume, on_cpu):
    add_specimens(project, make_volume, 4, sections=2, size=32)
    small = training_estimate(project=project, config=tiny_config())["estimate_s"]
    add_specimens(project, make_volume, 4, sections=2, size=256, prefix="large")
    both = training_estimate(project=project, config=tiny_config())
    # The same input size: only the native pixels read and scored differ between the folds.
    extra_mpx = 8 * 256 * 256 / 1e6 * both["calibration"]["overhead_s_per_mpx"]
    assert both["estimate_s"] > small + extra_mpx


def test_without_finished_folds_the_default_measured_here_is_used_and_stated(
    project, cells, on_cpu
):
    config = tiny_config(epochs=5)
    result = training_estimate(project=project, config=config)
    default = DEFAULT_CALIBRATION["cpu"]
    assert result["calibration"]["folds"] == 0
    assert result["calibration"]["source"] == default.source
    job = training_job_launch(project=project, user=None, config=config, queue=False)
    per_fold_mpx = 8 * 32 * 32 / 1e6  # every fold reads and scores all 8 sections of 32 px
    expected = sum(
        n * default.speed_factor + FOLD_SETUP_S + per_fold_mpx * default.overhead_s_per_mpx
        for n in _nominal(job, held_out=True)
    )
    assert result["estimate_s"] == pytest.approx(expected)
    assert "Assumes CPU workers" in result["assumptions"]
    assert "s per megapixel" in result["assumptions"]


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
    # 25 s outside the epochs: set-up, the held-out pass, 8 sections of 32 px read and scored.
    speed = calibration.speed_factor
    held_out = [h - e for h, e in zip(_nominal(first, held_out=True), _nominal(first))]
    outside = 25.0 - FOLD_SETUP_S - speed * held_out[0]
    assert calibration.overhead_s_per_mpx == pytest.approx(outside / (8 * 32 * 32 / 1e6))
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


def test_native_crops_cost_the_tiles_that_cover_each_section(project, make_volume, on_cpu):
    """Sections of 64 px trained on 32 px native crops: four crops per section each epoch and
    four validation tiles each, where resized sections are one input each."""
    add_specimens(project, make_volume, 4, sections=2, size=64)
    resized = training_estimate(project=project, config=tiny_config(native_crops=False))
    native = training_estimate(project=project, config=tiny_config(native_crops=True))
    calibration = native["calibration"]
    at_once = min(2, max(1.0, calibration["parallel"]))
    fixed = 2 * (FOLD_SETUP_S + 8 * 64 * 64 / 1e6 * calibration["overhead_s_per_mpx"]) / at_once
    assert resized["estimate_s"] > fixed
    assert native["estimate_s"] - fixed == pytest.approx(4 * (resized["estimate_s"] - fixed))
