"""A training configuration that cannot work is refused before anything is written or queued."""

from __future__ import annotations

import pytest

from annotations.models import GroundTruthSnapshot
from cellweb.errors import NotAllowed
from inference.models import FoldRun, TrainingJob
from inference.services.training import (
    TrainingConfigError,
    TrainingDataConflict,
    training_estimate,
    training_job_launch,
)
from inference.services.training.estimate import FOLD_SETUP_S
from tests.helpers_training import add_specimens, tiny_config


def _refused(project, user, config, captured, refusal=TrainingConfigError):
    with captured(execute=True), pytest.raises(refusal) as info:
        training_job_launch(project=project, user=user, config=config)
    return info.value


def _nothing_written(sent) -> None:
    assert TrainingJob.objects.count() == 0
    assert FoldRun.objects.count() == 0
    assert GroundTruthSnapshot.objects.count() == 0
    assert sent == []


def test_unknown_network_is_refused_before_anything_is_queued(
    project, manager, make_volume, queued, django_capture_on_commit_callbacks
):
    add_specimens(project, make_volume, 4, sections=1)
    error = _refused(
        project, manager, tiny_config(arch="resnet9000"), django_capture_on_commit_callbacks
    )
    assert "Unknown network “resnet9000”" in error.message and "osnet" in error.message
    assert "arch" in error.errors
    _nothing_written(queued)


def test_fewer_specimens_with_ground_truth_than_folds_is_refused(
    project, manager, make_volume, queued, django_capture_on_commit_callbacks
):
    add_specimens(project, make_volume, 3, sections=2)
    error = _refused(
        project,
        manager,
        tiny_config(folds=4),
        django_capture_on_commit_callbacks,
        TrainingDataConflict,
    )
    assert error.code == "too_few_specimens" and error.status_code == 409
    assert "4-fold cross-validation needs at least 4 specimens" in error.message
    assert "has 3" in error.message
    _nothing_written(queued)


def test_specimens_without_ground_truth_do_not_count_towards_the_folds(
    project, manager, make_volume, queued, specimen, django_capture_on_commit_callbacks
):
    add_specimens(project, make_volume, 1, sections=2)
    make_volume(specimen)  # a specimen with images but nothing confirmed
    error = _refused(
        project,
        manager,
        tiny_config(folds=2),
        django_capture_on_commit_callbacks,
        TrainingDataConflict,
    )
    assert error.code == "too_few_specimens"
    assert "needs at least 2 specimens" in error.message
    _nothing_written(queued)


@pytest.mark.parametrize(
    ("specimens", "override", "code", "text"),
    [
        (
            {"source": "imported"},
            {"gt_source": "consensus"},
            "no_ground_truth",
            "no confirmed consensus ground truth",
        ),
        (
            {"lab": "KAIST"},
            {"labs": ["Elsewhere"]},
            "no_matching_specimens",
            "no specimen matches lab elsewhere",
        ),
    ],
    ids=["no-ground-truth-of-the-source", "no-specimen-of-the-lab"],
)
def test_data_that_the_configuration_does_not_select_is_refused(
    project,
    manager,
    make_volume,
    queued,
    django_capture_on_commit_callbacks,
    specimens,
    override,
    code,
    text,
):
    add_specimens(project, make_volume, 4, sections=1, **specimens)
    error = _refused(
        project,
        manager,
        tiny_config(**override),
        django_capture_on_commit_callbacks,
        TrainingDataConflict,
    )
    assert error.code == code
    assert text in error.message.lower()
    assert "data" in error.errors
    _nothing_written(queued)


@pytest.mark.parametrize(
    ("override", "field", "text"),
    [
        ({"folds": 1}, "folds", "at least 2 folds"),
        ({"epochs": 0}, "epochs", "Epochs must be between"),
        ({"batch_size": 0}, "batch_size", "batch size"),
        ({"input_size": 100}, "input_size", "multiple of 16"),
        ({"input_size": 16}, "input_size", "between 32 and 1024"),
        ({"input_size": 2048}, "input_size", "between 32 and 1024"),
        ({"lr": 0.0}, "lr", "learning rate"),
        ({"betas": (0.5, 1.0)}, "betas", "betas"),
        ({"loss": "hinge"}, "loss", "Unknown loss"),
        ({"aug_fraction": 1.5}, "aug_fraction", "between 0 and 1"),
        ({"modalities": ["fluorescence"]}, "modalities", "label-free"),
        ({"gt_source": "rumour"}, "gt_source", "ground-truth source"),
    ],
)
def test_out_of_range_settings_are_refused_with_a_message_per_field(
    project, manager, make_volume, queued, override, field, text, django_capture_on_commit_callbacks
):
    add_specimens(project, make_volume, 2, sections=1)
    error = _refused(project, manager, tiny_config(**override), django_capture_on_commit_callbacks)
    assert field in error.errors
    assert text in error.errors[field]
    _nothing_written(queued)


def test_only_managers_may_launch(project, annotator, make_volume, queued):
    add_specimens(project, make_volume, 2, sections=1)
    with pytest.raises(NotAllowed):
        training_job_launch(project=project, user=annotator, config=tiny_config())
    _nothing_written(queued)


def test_estimate_reports_the_problem_instead_of_raising(project, make_volume):
    add_specimens(project, make_volume, 2, sections=1)
    result = training_estimate(project=project, config=tiny_config(folds=3))
    assert result["estimate_s"] is None
    assert "3-fold cross-validation needs at least 3 specimens" in result["problem"]


def test_estimate_grows_with_epochs_and_input_size(project, make_volume):
    add_specimens(project, make_volume, 4, sections=2)
    small = training_estimate(project=project, config=tiny_config(epochs=10, input_size=64))
    more_epochs = training_estimate(project=project, config=tiny_config(epochs=20, input_size=64))
    larger = training_estimate(project=project, config=tiny_config(epochs=10, input_size=128))
    assert small["problem"] is None and small["sections"] == 8 and small["specimens"] == 4
    # The epochs scale with epochs and pixels, the held-out pass with pixels; each fold's set-up
    # and the reading and scoring of its native sections (8 of 32 x 32 px) stay the same.
    epochs = more_epochs["estimate_s"] - small["estimate_s"]
    held_out = (larger["estimate_s"] - small["estimate_s"]) / 3 - epochs
    fixed = small["estimate_s"] - epochs - held_out
    assert epochs > 0 and held_out > 0
    calibration = small["calibration"]
    per_fold = FOLD_SETUP_S + 8 * 32 * 32 / 1e6 * calibration["overhead_s_per_mpx"]
    assert fixed == pytest.approx(2 * per_fold / min(2, max(1.0, calibration["parallel"])))
    assert small["estimates"]["cuda"] < small["estimates"]["cpu"]
