"""A round trains on confirmed consensus: a project whose ground truth is all imported masks is
told so with a 409, not answered with a server error."""

from __future__ import annotations

import pytest

from inference.models import RetrainRound
from inference.services.model_versions import model_version_activate
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_training import add_specimens

pytestmark = pytest.mark.django_db


def test_a_round_without_any_confirmed_consensus_is_a_409_naming_it(
    api, project, manager, make_volume
):
    add_specimens(project, make_volume, 4, sections=2, source="imported")
    version = tiny_model_version(project, name="trained on imported masks")
    model_version_activate(version=version, user=manager)

    response = api(manager).post(f"/api/projects/{project.slug}/retrain-rounds/", {}, format="json")

    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "too_few_specimens"
    assert "confirmed consensus ground truth" in body["detail"] and "has 0" in body["detail"]
    assert not RetrainRound.objects.exists()
