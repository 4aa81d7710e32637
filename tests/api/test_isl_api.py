"""The in-silico-labelling endpoints: launching a job (409 without paired fluorescence) and
``GET /api/sections/<id>/virtual_stain.png`` (computed by the ISL version, cached, a GET that
writes nothing)."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from annotations.models import Section
from annotations.services.volumes import section_array
from inference.ml.isl import predict_stain
from inference.ml.nets import create_model
from inference.selectors.virtual_stain import virtual_stain_cache_key
from inference.services.model_versions import (
    model_version_create,
    model_version_load,
    weights_payload,
)
from tests.helpers_isl import TINY_ISL, add_stained_specimens
from tests.helpers_training import add_specimens


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _version(project, task="isl"):
    torch.manual_seed(3)
    payload = weights_payload(create_model("unet16"), arch="unet16", input_size=32)
    return model_version_create(
        project=project, name=task, arch="unet16", weights=payload, task=task
    )


@pytest.fixture
def stained(project, make_volume):
    return add_stained_specimens(project, make_volume, 2, sections=2, size=40)


def stain_url(section, version=None) -> str:
    query = f"?version={version.pk}" if version else ""
    return f"/api/sections/{section.pk}/virtual_stain.png{query}"


def test_launching_on_a_project_without_paired_fluorescence_is_409_with_the_reason(
    api, manager, project, make_volume
):
    add_specimens(project, make_volume, 3, sections=1)
    response = api(manager).post(f"/api/projects/{project.slug}/isl-jobs/", TINY_ISL, format="json")
    assert response.status_code == 409
    assert "paired fluorescence" in response.json()["detail"]
    assert not project.training_jobs.exists()


def test_a_manager_launches_a_job_and_an_annotator_may_not(
    api, manager, annotator, project, stained, queued
):
    url = f"/api/projects/{project.slug}/isl-jobs/"
    assert api(annotator).post(url, TINY_ISL, format="json").status_code == 403
    response = api(manager).post(url, TINY_ISL, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["task"] == "isl" and body["sections"] == 4 and len(body["folds"]) == 2


def test_the_virtual_stain_is_the_versions_prediction_and_is_cached_without_writes(
    api, annotator, project, stained
):
    version = _version(project)
    section = Section.objects.filter(project=project, is_label_free=True).first()

    with CaptureQueriesContext(connection) as queries:
        response = api(annotator).get(stain_url(section, version))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Model-Version"] == str(version.pk)
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    got = np.asarray(Image.open(io.BytesIO(response.content)))
    model, _ = model_version_load(version)
    want = predict_stain(
        model, section_array(section), device=torch.device("cpu"), input_size=32, modality="ri"
    )
    assert got.shape == (40, 40)
    expected = np.round(np.clip(want, 0, 1) * 255).astype(np.uint8)
    assert np.abs(got.astype(int) - expected).max() <= 1
    assert cache.get(virtual_stain_cache_key(section.pk, version.pk)) == response.content


def test_an_unstained_section_has_a_virtual_stain_from_the_newest_isl_version(
    api, annotator, project, stained, make_volume
):
    _version(project)
    newest = _version(project)
    unstained = add_specimens(project, make_volume, 1, sections=1, size=40, prefix="plain")[0]
    section = Section.objects.get(specimen=unstained)
    assert section.fluorescence_id is None
    response = api(annotator).get(stain_url(section))
    assert response.status_code == 200 and response["X-Model-Version"] == str(newest.pk)


def test_refusals(api, annotator, outsider, project, stained):
    section = Section.objects.filter(project=project, is_label_free=True).first()
    stain_section = Section.objects.filter(project=project, is_label_free=False).first()
    response = api(annotator).get(stain_url(section))
    assert (
        response.status_code == 404 and "no in-silico-labelling model" in response.json()["detail"]
    )
    segmentation = _version(project, task="segmentation")
    response = api(annotator).get(stain_url(section, segmentation))
    assert response.status_code == 409 and "segmentation model" in response.json()["detail"]
    version = _version(project)
    assert api(annotator).get(stain_url(stain_section, version)).status_code == 409
    assert api(outsider).get(stain_url(section, version)).status_code == 404
    assert api(annotator).get(f"{stain_url(section)}?version=x").status_code == 400


def test_a_version_says_its_task_and_held_out_pcc(api, manager, project):
    version = _version(project)
    version.metrics = {"pcc": 0.61, "l1": 0.2}
    version.save(update_fields=["metrics"])
    segmentation = _version(project, task="segmentation")
    answers = {
        v.pk: api(manager).get(f"/api/model-versions/{v.pk}/").json()
        for v in (version, segmentation)
    }
    assert (answers[version.pk]["task"], answers[version.pk]["pcc"]) == ("isl", 0.61)
    assert (answers[segmentation.pk]["task"], answers[segmentation.pk]["pcc"]) == (
        "segmentation",
        None,
    )


def test_activating_an_isl_version_over_the_api_is_409(api, manager, project):
    version = _version(project)
    response = api(manager).post(f"/api/model-versions/{version.pk}/activate/")
    assert response.status_code == 409 and "cannot segment" in response.json()["detail"]
