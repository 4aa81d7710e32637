"""A valid request that the project's state refuses is a 409 with a machine-readable code.

One test per operation family: the answer is 409 in the one error shape with its ``code`` (one
the schema documents for that operation), and nothing is written.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import (
    Consensus,
    GroundTruth,
    GroundTruthSnapshot,
    ImportJob,
    Volume,
)
from inference.models import Evaluation, Prediction, TrainingJob

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def _documented_codes(client, path: str, method: str) -> list[str]:
    schema = client.get("/api/schema/?format=json").json()
    answer = schema["paths"][path][method]["responses"]["409"]
    return answer["content"]["application/json"]["schema"]["properties"]["code"]["enum"]


def _assert_conflict(response, code: str) -> dict:
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.fixture
def ri_volume(specimen, make_volume):
    return make_volume(specimen, shape=(3, 32, 32))


def test_training_without_ground_truth_is_409_and_creates_no_job(api, manager, ri_volume):
    client = api(manager)
    response = client.post("/api/projects/lab/training-jobs/", {"folds": 2}, format="json")
    body = _assert_conflict(response, "no_ground_truth")
    assert "ground truth" in body["detail"]
    assert "no_ground_truth" in _documented_codes(
        client, "/api/projects/{slug}/training-jobs/", "post"
    )
    assert not TrainingJob.objects.exists()
    assert not GroundTruthSnapshot.objects.exists()


def test_training_with_filters_that_match_nothing_is_409(api, manager, ri_volume):
    response = api(manager).post(
        "/api/projects/lab/training-jobs/", {"labs": ["Nowhere"]}, format="json"
    )
    _assert_conflict(response, "no_matching_specimens")
    assert not TrainingJob.objects.exists()


def test_training_out_of_range_setting_stays_400(api, manager, ri_volume):
    response = api(manager).post("/api/projects/lab/training-jobs/", {"folds": 1}, format="json")
    assert response.status_code == 400
    assert "code" not in response.json()


def test_evaluation_of_a_specimen_of_no_project_is_404(api, manager, ri_volume):
    response = api(manager).post(
        "/api/projects/lab/evaluations/",
        {"set_kind": "specimens", "set_params": {"specimen_ids": [987654]}},
        format="json",
    )
    assert response.status_code == 404
    assert not Evaluation.objects.exists()


def test_prediction_without_an_active_model_is_409(api, manager, ri_volume):
    client = api(manager)
    response = client.post("/api/projects/lab/predictions/", {}, format="json")
    body = _assert_conflict(response, "no_active_model")
    assert "active model" in body["detail"]
    assert "no_active_model" in _documented_codes(
        client, "/api/projects/{slug}/predictions/", "post"
    )
    assert not Prediction.objects.exists()


def test_fluorescence_ground_truth_without_a_stain_is_409(api, manager, ri_volume):
    client = api(manager)
    response = client.post("/api/projects/lab/fluorescence-gt/", {}, format="json")
    _assert_conflict(response, "no_stain")
    assert "no_stain" in _documented_codes(client, "/api/projects/{slug}/fluorescence-gt/", "post")
    assert not GroundTruth.objects.exists()


def test_consensus_and_confirm_with_too_few_annotations_are_409(api, reviewer, ri_volume):
    client = api(reviewer)
    section = ri_volume.sections.get(z=1)
    response = client.post(f"/api/sections/{section.pk}/consensus/")
    _assert_conflict(response, "too_few_annotations")
    assert "too_few_annotations" in _documented_codes(
        client, "/api/sections/{section_id}/consensus/", "post"
    )
    response = client.post(
        f"/api/sections/{section.pk}/review/confirm/", {"consensus_id": None}, format="json"
    )
    _assert_conflict(response, "too_few_annotations")
    assert not Consensus.objects.exists()
    assert not GroundTruth.objects.exists()
    section.refresh_from_db()
    assert section.status == "open"


def _npy(shape=(3, 32, 32)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    np.save(buffer, (1.34 + 0.01 * np.random.default_rng(5).random(shape)).astype(np.float32))
    return SimpleUploadedFile("again.npy", buffer.getvalue())


def test_import_of_a_time_point_the_specimen_has_is_409(api, manager, specimen, ri_volume):
    client = api(manager)
    response = client.post(
        "/api/projects/lab/imports/",
        {"file": _npy(), "specimen": specimen.name, "modality": "ri"},
        format="multipart",
    )
    body = _assert_conflict(response, "volume_exists")
    assert specimen.name in body["detail"]
    assert "volume_exists" in _documented_codes(client, "/api/projects/{slug}/imports/", "post")
    assert not ImportJob.objects.exists()
    assert Volume.objects.count() == 1
