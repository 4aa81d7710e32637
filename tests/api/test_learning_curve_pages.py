"""Learning-curve pages and endpoints: the form refuses with the reason (409 when the project's
ground truth cannot give the curve) and saves nothing; roles; a finished curve's page names the
held-out specimens and the plateau, serves its CSV, figure and standalone report, and its
snapshot and cancel."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client

from cellweb.jobs import job_execute
from inference.models import LearningCurve, ModelVersion
from inference.services.learning_curve import LearningCurveConfig, learning_curve_launch
from tests.conftest import PASSWORD
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_training import add_specimens, single_thread_torch  # noqa: F401

pytestmark = pytest.mark.django_db

FORM = {
    "sizes": "1,2",
    "seeds": "1",
    "arch": "unet16",
    "samples": "2",
    "input_size": "32",
    "gt_source": "consensus",
}


def browser(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_form_refuses_an_n_above_the_pool_with_409_and_the_count(project, manager, make_volume):
    add_specimens(project, make_volume, 2, sections=3)
    url = f"/projects/{project.slug}/learning-curves/"
    response = browser(manager).post(url, {**FORM, "sizes": "1,5"})
    assert response.status_code == 409
    assert "3 sections available for training" in response.content.decode()
    response = browser(manager).post(url, {**FORM, "start_version": "12345"})
    assert response.status_code == 400  # not a choice of the form
    assert not LearningCurve.objects.exists()


def test_the_form_offers_in_silico_labelling_versions_first(project, manager, make_volume):
    isl = tiny_model_version(project, name="pretext", seed=1)
    ModelVersion.objects.filter(pk=isl.pk).update(task="isl")
    newer = tiny_model_version(project, name="segmenter", seed=2)
    page = browser(manager).get(f"/projects/{project.slug}/learning-curves/").content.decode()
    offered = re.findall(r'<option value="(\d+)"', page.split('name="start_version"')[1])
    assert offered[:2] == [str(isl.pk), str(newer.pk)]
    assert "In silico labelling" in page


def test_only_a_manager_launches_and_outsiders_see_nothing(
    project, manager, annotator, outsider, make_volume
):
    add_specimens(project, make_volume, 2)
    url = f"/projects/{project.slug}/learning-curves/"
    assert browser(annotator).get(url).status_code == 200
    assert browser(annotator).post(url, FORM).status_code == 403
    assert browser(outsider).get(url).status_code == 404
    curve = learning_curve_launch(
        project=project, user=manager, config=LearningCurveConfig(sizes=[1], seeds=1), queue=False
    )
    for path in (f"/learning-curves/{curve.pk}/", f"/api/learning-curves/{curve.pk}/"):
        assert browser(outsider).get(path).status_code == 404
    assert not LearningCurve.objects.exclude(pk=curve.pk).exists()


def test_a_finished_curve_shows_its_plateau_and_serves_its_files(
    project,
    manager,
    annotator,
    make_volume,
    single_thread_torch,  # noqa: F811
):
    add_specimens(project, make_volume, 3, sections=2)
    config = LearningCurveConfig(
        sizes=[1, 2], seeds=1, arch="unet16", samples=2, batch_size=2, input_size=32
    )
    curve = learning_curve_launch(project=project, user=manager, config=config, queue=False)
    assert job_execute("learning_curve", curve.pk, worker="test") == "succeeded"
    client = browser(annotator)
    page = client.get(f"/learning-curves/{curve.pk}/").content.decode()
    held = curve.held_out[0]["name"]
    assert held in page and "curve from scratch reaches 90% of its plateau" in page
    assert 'data-role="curve-figure"' in page
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"/learning-curves/{curve.pk}/points.csv").getvalue().decode())
        )
    )
    assert [(r["start"], r["n"]) for r in rows] == [("scratch", "1"), ("scratch", "2")]
    figure = client.get(f"/learning-curves/{curve.pk}/curve.png?inline=1")
    assert figure["Content-Type"] == "image/png" and figure.getvalue()[:4] == b"\x89PNG"
    report = b"".join(client.get(f"/learning-curves/{curve.pk}/report.html").streaming_content)
    report = report.decode()
    assert held in report and "90% of its plateau" in report and "data:image/png;base64," in report
    snapshot = client.get(f"/api/learning-curves/{curve.pk}/").json()
    assert snapshot["status"] == "succeeded" and len(snapshot["points"]) == 2
    assert client.post(f"/api/learning-curves/{curve.pk}/cancel/").status_code == 403
    assert browser(manager).post(f"/api/learning-curves/{curve.pk}/cancel/").status_code == 409
