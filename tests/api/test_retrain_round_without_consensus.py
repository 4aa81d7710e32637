"""A round trains on confirmed consensus: a project whose ground truth is all imported masks is
told so with a 409, not answered with a server error."""

from __future__ import annotations

import pytest
import torch

from inference.ml.nets import create_model
from inference.models import RetrainRound
from inference.services.model_versions import (
    model_version_activate,
    model_version_create,
    weights_payload,
)
from tests.helpers_training import TINY, add_specimens

pytestmark = pytest.mark.django_db


def test_a_round_without_any_confirmed_consensus_is_a_409_naming_it(
    api, project, manager, make_volume
):
    add_specimens(project, make_volume, 4, sections=2, source="imported")
    torch.manual_seed(0)
    version = model_version_create(
        project=project,
        name="trained on imported masks",
        arch="unet16",
        weights=weights_payload(create_model("unet16"), arch="unet16", input_size=32),
        config=dict(TINY),
    )
    model_version_activate(version=version, user=manager)

    response = api(manager).post(f"/api/projects/{project.slug}/retrain-rounds/", {}, format="json")

    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "too_few_specimens"
    assert "confirmed consensus ground truth" in body["detail"] and "has 0" in body["detail"]
    assert not RetrainRound.objects.exists()
