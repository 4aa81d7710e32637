"""``GET /api/sections/<id>/proposal.png``: the active model's mask of a section, from a stored
prediction or computed on demand (a tiny real registry net) and cached; a GET writes nothing."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
import torch
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Section
from annotations.services.volumes import section_array
from inference.models import PredictionResult
from inference.services.model_versions import model_version_load
from inference.services.prediction import prediction_launch, prediction_run
from tests.helpers_prediction import time_lapse
from tests.helpers_proposals import _empty_cache, png_mask, url  # noqa: F401 (an autouse fixture)


@pytest.fixture(autouse=True)
def offered(project):
    """The project offers proposals (tests/api/test_proposal_off.py: when it does not)."""
    project.proposals = "offered"
    project.save(update_fields=["proposals"])


@pytest.fixture
def section(project):
    specimen, _ = time_lapse(project, "cell", times=1, shape=(4, 40, 40))
    return Section.objects.filter(volume__specimen=specimen, z=2).get()


def test_no_active_model_is_404_and_outsiders_get_404(api, annotator, outsider, section, manager):
    response = api(annotator).get(url(section))
    assert response.status_code == 404 and "no active model" in response.json()["detail"]
    from inference.services.model_versions import model_version_activate
    from tests.helpers_evaluation import tiny_model_version

    model_version_activate(version=tiny_model_version(section.project, input_size=32), user=manager)
    assert api(outsider).get(url(section)).status_code == 404
    assert api(None).get(url(section)).status_code in (401, 403)


def test_computed_on_demand_matches_the_network_and_is_cached(
    api, annotator, section, active_model, monkeypatch
):
    response = api(annotator).get(url(section))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Model-Version"] == str(active_model.pk)
    assert response["X-Proposal-Source"] == "computed"
    mask = png_mask(response.content)
    assert mask.shape == (40, 40)
    # The network run by hand: RI scaled as in training, resized to its input and back.
    model, _ = model_version_load(active_model)
    x = torch.from_numpy((section_array(section) - 1.337) / 0.03)[None, None]
    with torch.no_grad():
        small = torch.nn.functional.interpolate(x, size=(32, 32), mode="bilinear")
        prob = torch.sigmoid(model(small))
        prob = torch.nn.functional.interpolate(prob, size=(40, 40), mode="bilinear")[0, 0]
    expected = prob.numpy() > 0.5
    assert 0 < expected.sum() < expected.size  # the test can tell a wrong mask
    assert (mask == expected).mean() > 0.99  # resampling details may flip a boundary pixel

    # The second request comes from the cache and writes nothing to the database.
    monkeypatch.setattr(
        "inference.selectors.proposals._computed_png",
        lambda *a: (_ for _ in ()).throw(AssertionError("computed again")),
    )
    with CaptureQueriesContext(connection) as queries:
        again = api(annotator).get(url(section))
    assert again.status_code == 200 and again.content == response.content
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []


def test_a_stored_prediction_is_served(
    api, annotator, manager, project, active_model, known_nuclei
):
    specimen, masks = time_lapse(project, "stored", times=1, shape=(6, 48, 48))
    prediction = prediction_launch(project=project, user=manager, queue=False)
    prediction = prediction_run(prediction_id=prediction.pk, device="cpu")
    assert prediction.status == "succeeded", prediction.error
    result = PredictionResult.objects.get(prediction=prediction, volume__specimen=specimen)
    section = Section.objects.get(volume=result.volume, z=3)
    response = api(annotator).get(url(section))
    assert response.status_code == 200 and response["X-Proposal-Source"] == "prediction"
    with result.labels.open("rb") as fh:
        labels = tifffile.imread(fh)
    assert masks[0][3].any()
    assert np.array_equal(png_mask(response.content), labels[3] > 0)
    assert np.array_equal(png_mask(response.content), masks[0][3])


def test_a_model_of_another_modality_is_409_with_the_reason(api, annotator, section, active_model):
    active_model.config = {**active_model.config, "modalities": ["brightfield"]}
    active_model.save(update_fields=["config"])
    response = api(annotator).get(url(section))
    assert response.status_code == 409
    assert "brightfield" in response.json()["detail"] and "ri" in response.json()["detail"]
