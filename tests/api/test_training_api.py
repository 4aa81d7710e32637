"""REST endpoints of training jobs and model versions."""

from __future__ import annotations

import io

import pytest
import torch

from annotations.models import Project
from inference.ml.nets import create_model
from inference.models import ModelVersion, TrainingJob
from inference.services.model_versions import model_version_create, weights_payload
from tests.helpers_training import TINY, add_specimens, training_form


@pytest.fixture
def cells(project, make_volume):
    return add_specimens(project, make_volume, 4, sections=2)


def _launch(client, project, body=TINY):
    """POST a training configuration (``TINY`` unless ``body``) to ``project``'s jobs."""
    return client.post(f"/api/projects/{project.slug}/training-jobs/", body, format="json")


def _version(project, name: str, dice: float, **extra) -> ModelVersion:
    return model_version_create(
        project=project,
        name=name,
        arch="unet16",
        weights=weights_payload(create_model("unet16"), arch="unet16", input_size=32),
        config={"input_size": 32, "epochs": 2},
        metrics={
            "dice": dice,
            "jaccard": dice - 0.1,
            "f05": dice,
            "precision": dice,
            "recall": dice,
            "auc_pr": 0.9,
        },
        val_specimens=[{"id": 1, "name": "cell-a"}],
        **extra,
    )


def test_manager_launches_a_job_and_one_task_per_fold_is_queued(
    api, project, manager, cells, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _launch(api(manager), project, {**TINY, "final_model": True})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "queued" and body["config"]["arch"] == "unet16"
    assert [f["index"] for f in body["folds"]] == [0, 1, 2]
    assert [f["kind"] for f in body["folds"]] == ["cv", "cv", "final"]
    for fold in body["folds"][:2]:
        assert fold["specimens_val"] and not set(fold["specimens_val"]) & set(
            fold["specimens_train"]
        )
        assert fold["history"] == []
    assert body["summary"] is None and body["estimate_s"] > 0
    assert len(queued) == 3


def test_defaults_are_the_papers(api, project, manager, cells, queued):
    response = _launch(api(manager), project, {"folds": 2})
    assert response.status_code == 201, response.content
    config = response.json()["config"]
    assert config["arch"] == "osnet" and config["epochs"] == 300 and config["batch_size"] == 32
    assert config["lr"] == 5e-4 and config["betas"] == [0.5, 0.999] and config["input_size"] == 448
    assert config["loss"] == "bce" and config["aug_fraction"] == 0.3
    assert config["elastic"] and config["flips"] and config["enlarge_crop"]


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"arch": "resnet"}, "Unknown network “resnet”"),
        ({"input_size": 100}, "multiple of 16"),
        ({"folds": 1}, "greater than or equal to 2"),
        ({"epochs": "many"}, "valid integer"),
        ({"betas": [0.5]}, "at least 2"),
        ({"lr": True}, "valid number"),  # JSON's true is no number (DRF would take it as 1)
        ({"class_weights": [False, True]}, "valid number"),
    ],
)
def test_a_configuration_that_cannot_work_is_a_400_with_its_message(
    api, project, manager, cells, queued, body, text
):
    response = _launch(api(manager), project, {**TINY, **body})
    assert response.status_code == 400
    assert text.lower() in response.content.decode().lower()
    assert TrainingJob.objects.count() == 0 and queued == []


@pytest.mark.parametrize(
    ("body", "code", "text"),
    [
        ({"folds": 5}, "too_few_specimens", "5-fold cross-validation needs at least 5 specimens"),
        ({"gt_source": "imported"}, "no_ground_truth", "no imported mask ground truth"),
    ],
)
def test_a_configuration_the_data_cannot_serve_yet_is_a_409_with_its_code(
    api, project, manager, cells, queued, body, code, text
):
    response = _launch(api(manager), project, {**TINY, **body})
    assert response.status_code == 409
    assert response.json()["code"] == code
    assert text.lower() in response.json()["detail"].lower()
    assert TrainingJob.objects.count() == 0 and queued == []


def test_a_body_that_is_not_an_object_is_a_400(api, project, manager, cells):
    response = _launch(api(manager), project, [1, 2])
    assert response.status_code == 400


def test_only_managers_launch_and_outsiders_do_not_see_the_project(
    api, project, annotator, outsider, cells, queued
):
    url = f"/api/projects/{project.slug}/training-jobs/"
    assert api(annotator).post(url, TINY, format="json").status_code == 403
    assert api(outsider).post(url, TINY, format="json").status_code == 404
    assert api(outsider).get(url).status_code == 404
    assert api(annotator).get(url).json() == {"count": 0, "results": []}


def test_job_detail_and_list_show_the_split_and_config(
    api, project, manager, annotator, outsider, cells, queued
):
    job_id = _launch(api(manager), project).json()["id"]
    detail = api(annotator).get(f"/api/training-jobs/{job_id}/")
    assert detail.status_code == 200
    body = detail.json()
    for key in ("id", "status", "created_at", "config", "estimate_s", "folds", "summary", "seq"):
        assert key in body
    fold = body["folds"][0]
    for key in (
        "index",
        "status",
        "worker",
        "device",
        "epoch",
        "epochs",
        "batch",
        "batches",
        "eta_s",
        "error",
        "specimens_train",
        "specimens_val",
        "history",
    ):
        assert key in fold
    assert api(outsider).get(f"/api/training-jobs/{job_id}/").status_code == 404
    listing = api(annotator).get(f"/api/projects/{project.slug}/training-jobs/").json()
    assert listing["count"] == 1 and listing["results"][0]["id"] == job_id
    assert api(annotator).get(f"/api/training-jobs/{10**17}/").status_code == 404


def test_cancel_ends_queued_folds_and_a_second_cancel_is_a_conflict(
    api, project, manager, annotator, cells, queued, django_capture_on_commit_callbacks
):
    job_id = _launch(api(manager), project).json()["id"]
    assert api(annotator).post(f"/api/training-jobs/{job_id}/cancel/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = api(manager).post(f"/api/training-jobs/{job_id}/cancel/")
    assert response.status_code == 200
    assert {f["status"] for f in response.json()["folds"]} == {"cancelled"}
    assert TrainingJob.objects.get(pk=job_id).status == "cancelled"
    assert api(manager).post(f"/api/training-jobs/{job_id}/cancel/").status_code == 409


def test_estimate_answers_with_seconds_or_the_problem(api, project, manager, cells):
    url = f"/api/projects/{project.slug}/training-estimate/"
    ok = api(manager).post(url, {**TINY, "epochs": 10}, format="json")
    assert ok.status_code == 200 and ok.json()["estimate_s"] > 0 and ok.json()["sections"] == 8
    problem = api(manager).post(url, {**TINY, "folds": 6}, format="json").json()
    assert problem["estimate_s"] is None and "at least 6 specimens" in problem["problem"]
    assert api(manager).post(url, {"input_size": "big"}, format="json").status_code == 400


def test_model_versions_are_listed_compared_downloaded_and_activated(
    api, project, manager, annotator, outsider
):
    first = _version(project, "first", 0.8)
    second = _version(project, "second", 0.9)
    listing = api(annotator).get(f"/api/projects/{project.slug}/model-versions/").json()
    assert [v["name"] for v in listing["results"]] == ["second", "first"]

    detail = api(annotator).get(f"/api/model-versions/{first.pk}/").json()
    assert (
        detail["arch"] == "unet16"
        and detail["metrics"]["dice"] == 0.8
        and detail["val_specimens"] == ["cell-a"]
    )

    compare = api(annotator).get(
        f"/api/projects/{project.slug}/model-versions/compare/?ids={first.pk},{second.pk}"
    )
    assert compare.status_code == 200
    dice_row = next(r for r in compare.json()["metrics"] if r["key"] == "dice")
    assert dice_row["values"] == [0.8, 0.9] and dice_row["best"] == 0.9

    download = api(annotator).get(
        f"/api/model-versions/{first.pk}/download/", HTTP_ACCEPT="application/octet-stream"
    )
    assert download.status_code == 200
    payload = torch.load(io.BytesIO(b"".join(download.streaming_content)), weights_only=True)
    assert payload["arch"] == "unet16" and "state_dict" in payload
    assert api(outsider).get(f"/api/model-versions/{first.pk}/download/").status_code == 404

    assert api(annotator).post(f"/api/model-versions/{first.pk}/activate/").status_code == 403
    assert (
        api(manager).post(f"/api/model-versions/{first.pk}/activate/").json()["is_active"] is True
    )
    assert api(manager).post(f"/api/model-versions/{second.pk}/activate/").status_code == 200
    assert list(ModelVersion.objects.filter(is_active=True).values_list("pk", flat=True)) == [
        second.pk
    ]


@pytest.mark.parametrize("ids", ["", "1", "a,b", "1,,2", "1;2", ",".join(["1"] * 30)])
def test_compare_needs_two_to_twenty_ids(api, project, manager, ids):
    response = api(manager).get(
        f"/api/projects/{project.slug}/model-versions/compare/", {"ids": ids}
    )
    assert response.status_code == 400


def test_compare_does_not_reach_into_another_project(api, project, manager):
    other = Project.objects.create(slug="other", name="Other")
    mine = _version(project, "mine", 0.8)
    theirs = _version(other, "theirs", 0.9)
    response = api(manager).get(
        f"/api/projects/{project.slug}/model-versions/compare/?ids={mine.pk},{theirs.pk}"
    )
    assert response.status_code == 404


def test_the_training_page_shows_the_form_to_managers_and_refuses_bad_configs(
    client, project, manager, cells, queued
):
    client.force_login(manager)
    page = client.get(f"/projects/{project.slug}/training/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="training-form"' in html and "Lab A (4)" in html and 'value="osnet"' in html

    form = training_form(arch="unet16", folds=9, epochs=2, batch_size=4, input_size=32)
    refused = client.post(f"/projects/{project.slug}/training/", form)
    assert refused.status_code == 400
    assert "9-fold cross-validation needs at least 9 specimens" in refused.content.decode()
    assert TrainingJob.objects.count() == 0

    launched = client.post(f"/projects/{project.slug}/training/", {**form, "folds": 2})
    job = TrainingJob.objects.get()
    assert launched.status_code == 302 and launched["Location"] == f"/training-jobs/{job.pk}/"
    assert job.config["flips"] is False and job.config["arch"] == "unet16"  # unticked boxes are off

    job_page = client.get(f"/training-jobs/{job.pk}/").content.decode()
    assert '"module": "job"' in job_page and f'"wsUrl": "/ws/jobs/training/{job.pk}/"' in job_page
    assert 'id="split-table"' in job_page


def test_members_see_jobs_but_not_the_launch_form(client, project, annotator, outsider):
    client.force_login(annotator)
    page = client.get(f"/projects/{project.slug}/training/")
    assert page.status_code == 200 and 'id="training-form"' not in page.content.decode()
    assert client.post(f"/projects/{project.slug}/training/", {}).status_code == 403
    client.force_login(outsider)
    assert client.get(f"/projects/{project.slug}/training/").status_code == 404


def test_models_page_lists_and_compares_versions(client, project, manager):
    first = _version(project, "first", 0.8)
    second = _version(project, "second", 0.9)
    client.force_login(manager)
    html = client.get(f"/projects/{project.slug}/models/").content.decode()
    assert (
        "first" in html and "second" in html and f"/api/model-versions/{first.pk}/download/" in html
    )
    compare = client.get(f"/projects/{project.slug}/models/compare/?ids={first.pk}&ids={second.pk}")
    assert compare.status_code == 200 and "<strong>0.9000</strong>" in compare.content.decode()
    activated = client.post(f"/model-versions/{second.pk}/activate/")
    assert activated.status_code == 302
    assert ModelVersion.objects.get(is_active=True) == second
