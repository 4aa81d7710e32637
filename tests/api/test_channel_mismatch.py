"""A model version whose input channels differ from the project's label-free channels is refused
for fine-tuning, prediction and evaluation before anything is queued (409 channel_mismatch)."""

from __future__ import annotations

import pytest

from inference.ml.nets import create_model
from inference.models import Evaluation, ModelVersion, Prediction, TrainingJob
from inference.services.model_exchange.parent import fine_tune_parent_problem
from inference.services.model_versions import model_version_create, weights_payload
from tests.helpers_channels import CHANNELS, add_bf_phase_specimens
from tests.helpers_training import TINY

pytestmark = pytest.mark.django_db


def _version(project, in_channels: int, names=None) -> ModelVersion:
    model = create_model("unet16", in_channels=in_channels)
    return model_version_create(
        project=project,
        name=f"unet16 {in_channels}ch",
        arch="unet16",
        weights=weights_payload(model, arch="unet16", input_size=32, channel_names=names),
        config={"input_size": 32},
        metrics={"dice": 0.8},
    )


@pytest.fixture
def bf_phase_project(project):
    add_bf_phase_specimens(project, 4)
    return project


def test_fine_tuning_from_a_one_channel_version_is_a_409(api, bf_phase_project, manager, queued):
    one_channel = _version(bf_phase_project, 1)
    response = api(manager).post(
        f"/api/projects/{bf_phase_project.slug}/training-jobs/",
        {**TINY, "from_version": one_channel.pk},
        format="json",
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "channel_mismatch"
    assert "1 channel" in response.content.decode() and "bf, phase" in response.content.decode()
    assert not TrainingJob.objects.exists() and queued == []


def test_a_two_channel_version_fine_tunes_and_predicts_here(api, bf_phase_project, manager, queued):
    two_channels = _version(bf_phase_project, 2, CHANNELS)
    assert (
        fine_tune_parent_problem(
            user=manager, arch="unet16", version_id=two_channels.pk, project_id=bf_phase_project.pk
        )
        is None
    )
    response = api(manager).post(
        f"/api/projects/{bf_phase_project.slug}/training-jobs/",
        {**TINY, "from_version": two_channels.pk},
        format="json",
    )
    assert response.status_code == 201, response.content


def test_predicting_and_evaluating_with_other_channels_is_a_409(
    api, bf_phase_project, manager, queued
):
    one_channel = _version(bf_phase_project, 1)
    client = api(manager)
    prediction = client.post(
        f"/api/projects/{bf_phase_project.slug}/predictions/",
        {"model_version": one_channel.pk},
        format="json",
    )
    evaluation = client.post(
        f"/api/projects/{bf_phase_project.slug}/evaluations/",
        {
            "set_kind": "specimens",
            "set_params": {"specimen_ids": [s.pk for s in bf_phase_project.specimens.all()]},
            "model_version": one_channel.pk,
        },
        format="json",
    )
    for response in (prediction, evaluation):
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "channel_mismatch"
    assert not Prediction.objects.exists() and not Evaluation.objects.exists() and queued == []


def test_differently_named_channels_are_a_mismatch_too(api, bf_phase_project, manager, queued):
    other = _version(bf_phase_project, 2, ["phase", "bf"])
    response = api(manager).post(
        f"/api/projects/{bf_phase_project.slug}/predictions/",
        {"model_version": other.pk},
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "channel_mismatch"
