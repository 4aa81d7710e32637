"""Evaluation and fluorescence ground-truth endpoints: roles, validation, shapes (the pages and
downloads: test_evaluation_pages.py)."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from annotations.imaging.masks import encode_mask
from annotations.models import GroundTruth, Project
from inference.apis.fields import MAX_DB_ID
from inference.models import Evaluation
from tests.helpers_evaluation import (
    finished_evaluation,  # noqa: F401 (the fixture ``finished``)
    launch_evaluation,
    make_specimens,
    tiny_model_version,
    two_stained_specimens,  # noqa: F401 (the fixture ``data``)
)

# ---------------------------------------------------------------------------------------------
# Launch


def test_a_manager_launches_and_the_worker_task_finishes_it(
    api, project, manager, data, eager_tasks, django_capture_on_commit_callbacks
):
    body = {"set_kind": "specimens", "set_params": {"specimen_ids": [data[0][0].pk]}}
    with django_capture_on_commit_callbacks(execute=True):
        response = api(manager).post(
            f"/api/projects/{project.slug}/evaluations/", body, format="json"
        )

    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["status"] == "queued" and created["config"]["model"] == "baselines only"
    assert created["folds"][0]["index"] == -1 and created["folds"][0]["batches"] == 4
    detail = api(manager).get(f"/api/evaluations/{created['id']}/").json()
    assert detail["status"] == "succeeded"
    assert detail["summary"]["metrics"]["dice"]["mean"] is not None
    assert detail["report_url"] == f"/evaluations/{created['id']}/report.html"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"set_kind": "nope"},
        {"set_kind": "tag", "threshold": 2},
        {"set_kind": "tag", "threshold": "half"},
        {"set_kind": "specimens", "set_params": {"specimen_ids": ["x"]}},
        {"set_kind": "specimens", "set_params": "all"},
        {"set_kind": "specimens", "model_version": -3},
        {"set_kind": "specimens", "gt_source": "rumour"},
    ],
)
def test_bad_bodies_are_400(api, project, manager, data, body):
    response = api(manager).post(f"/api/projects/{project.slug}/evaluations/", body, format="json")
    assert response.status_code == 400, response.content


def test_a_set_without_ground_truth_is_a_clear_409(api, project, manager, make_volume):
    made = make_specimens(project, make_volume, 1, gt=None, prefix="bare")
    response = api(manager).post(
        f"/api/projects/{project.slug}/evaluations/",
        {"set_kind": "specimens", "set_params": {"specimen_ids": [made[0][0].pk]}},
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "no_ground_truth"
    assert "no confirmed consensus ground truth" in response.json()["detail"]
    assert not Evaluation.objects.exists()


def test_any_id_the_schema_allows_is_read_as_an_id(api, project, manager, data):
    # The largest id the schema documents names no specimen of the project: nothing to score,
    # not a malformed list.
    response = api(manager).post(
        f"/api/projects/{project.slug}/evaluations/",
        {"set_kind": "specimens", "set_params": {"specimen_ids": [MAX_DB_ID]}},
        format="json",
    )
    assert response.status_code in (404, 409), response.content
    assert "list of specimen ids" not in response.json()["detail"]
    assert not Evaluation.objects.exists()


def test_a_model_version_of_another_project_is_404(api, project, manager, data):
    other = tiny_model_version(Project.objects.create(slug="other", name="Other"))
    response = api(manager).post(
        f"/api/projects/{project.slug}/evaluations/",
        {"set_kind": "cross_validation", "model_version": other.pk},
        format="json",
    )
    assert response.status_code == 404


def test_roles_members_read_managers_write_outsiders_see_nothing(
    api, project, manager, reviewer, annotator, outsider, finished
):
    url = f"/api/projects/{project.slug}/evaluations/"
    body = {"set_kind": "specimens", "set_params": {"specimen_ids": [1]}}
    assert api(annotator).get(url).status_code == 200
    assert api(reviewer).post(url, body, format="json").status_code == 403
    assert api(outsider).get(url).status_code == 404
    assert api(outsider).get(f"/api/evaluations/{finished.pk}/").status_code == 404
    assert api(outsider).get(f"/api/evaluations/{finished.pk}/sections/").status_code == 404
    assert api(None).get(url).status_code in (401, 403)


def test_the_list_shows_the_mean_dice(api, project, annotator, finished):
    body = api(annotator).get(f"/api/projects/{project.slug}/evaluations/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == finished.pk and row["dice"] == pytest.approx(
        finished.summary["metrics"]["dice"]["mean"]
    )


# ---------------------------------------------------------------------------------------------
# Follow, cancel, results


def test_cancel_a_queued_evaluation_then_conflict(api, project, manager, annotator, data):
    evaluation = launch_evaluation(project, manager, specimens=[data[0][0]])
    url = f"/api/evaluations/{evaluation.pk}/cancel/"
    assert api(annotator).post(url).status_code == 403
    response = api(manager).post(url)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert api(manager).post(url).status_code == 409


def test_sections_are_listed_worst_first_per_method(api, manager, finished):
    url = f"/api/evaluations/{finished.pk}/sections/"
    body = api(manager).get(url, {"limit": 100}).json()
    dices = [r["dice"] for r in body["results"]]
    assert body["count"] == 8 and dices == sorted(dices)
    assert {r["method"] for r in body["results"]} == {"model"}
    edge = api(manager).get(url, {"method": "edge", "ordering": "-dice"}).json()["results"]
    assert [r["dice"] for r in edge] == sorted((r["dice"] for r in edge), reverse=True)
    assert edge[0]["fluorescence_section"] is not None
    assert api(manager).get(url, {"method": "magic"}).status_code == 400
    assert api(manager).get(url, {"ordering": "random"}).status_code == 400


def test_layers_are_pngs_of_the_section_size(api, manager, finished, data):
    volume = data[0][1][0][0]
    section = volume.sections.get(z=2)
    base = f"/api/evaluations/{finished.pk}/sections/{section.pk}/layer"
    for layer in ("gt", "pred", "edge"):
        response = api(manager).get(f"{base}/{layer}.png")
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        image = Image.open(io.BytesIO(response.content))
        assert image.mode == "RGBA" and image.size == (32, 32)
    assert api(manager).get(f"{base}/fluo.png").status_code == 404
    unscored = make_section_elsewhere(data)
    assert (
        api(manager)
        .get(f"/api/evaluations/{finished.pk}/sections/{unscored}/layer/gt.png")
        .status_code
        == 404
    )


def make_section_elsewhere(data) -> int:
    _, volumes = data[1]
    fluorescence = volumes[0][0].sections.get(z=0).fluorescence_id
    return fluorescence  # a fluorescence section is never scored


# ---------------------------------------------------------------------------------------------
# Fluorescence ground truth


def test_reviewers_derive_fluorescence_ground_truth(api, project, reviewer, annotator, data):
    url = f"/api/projects/{project.slug}/fluorescence-gt/"
    assert api(annotator).post(url, {}, format="json").status_code == 403
    response = api(reviewer).post(url, {"scope": "volume", "min_size": 10}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["created"] == 8 and response.json()["volumes"] == 2
    assert response.json()["params"]["scope"] == "volume"
    assert GroundTruth.objects.filter(source="fluorescence", is_current=True).count() == 8


@pytest.mark.parametrize(
    "body",
    [
        {"method": "fixed"},
        {"method": "median"},
        {"smoothing_sigma": -1},
        {"min_size": "big"},
        {"specimen_ids": "all"},
    ],
)
def test_bad_fluorescence_parameters_are_400(api, project, reviewer, data, body):
    response = api(reviewer).post(
        f"/api/projects/{project.slug}/fluorescence-gt/", body, format="json"
    )
    assert response.status_code == 400


def test_a_reviewer_corrects_the_fluorescence_mask_through_the_review_contract(
    api, project, reviewer, annotator, data
):
    api(reviewer).post(f"/api/projects/{project.slug}/fluorescence-gt/", {}, format="json")
    section = data[0][1][0][0].sections.get(z=2)
    current = api(reviewer).get(f"/api/sections/{section.pk}/fluorescence-gt/").json()
    assert current["version"] == 1 and current["params"]["method"] == "otsu"
    edited = np.zeros((32, 32), dtype=bool)
    edited[8:20, 8:20] = True
    body = {
        "consensus_id": 1,
        "mask_png": base64.b64encode(encode_mask(edited)).decode(),
        "edited": True,
        "base_version": 1,
    }
    url = f"/api/sections/{section.pk}/fluorescence-gt/confirm/"

    assert api(annotator).post(url, body, format="json").status_code == 403
    response = api(reviewer).post(url, body, format="json")
    assert response.status_code == 200 and response.json()["version"] == 2
    assert response.json()["edited"] is True
    assert api(reviewer).post(url, body, format="json").status_code == 409
    assert (
        api(reviewer)
        .post(url, {**body, "mask_png": "not png", "base_version": 2}, format="json")
        .status_code
        == 400
    )
