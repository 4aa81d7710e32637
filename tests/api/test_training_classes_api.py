"""Launching training on several classes and an instance output through the REST API."""

from __future__ import annotations

import pytest

from inference.models import TrainingJob
from tests.helpers_classes import add_cells
from tests.helpers_training import TINY


@pytest.fixture
def cells(project, make_volume):
    add_cells(project, make_volume)


def test_a_job_on_every_class_with_a_distance_output_is_launched(
    api, project, manager, cells, queued
):
    response = api(manager).post(
        f"/api/projects/{project.slug}/training-jobs/",
        {**TINY, "classes": "all", "instance_head": "distance", "class_weights": [0.5, 1, 2]},
        format="json",
    )
    assert response.status_code == 201, response.content
    config = response.json()["config"]
    assert config["class_values"] == [1, 2] and config["instance_head"] == "distance"
    assert config["class_weights"] == [0.5, 1.0, 2.0]
    estimate = api(manager).post(
        f"/api/projects/{project.slug}/training-estimate/",
        {**TINY, "classes": ["cytoplasm", "nucleus"]},
        format="json",
    )
    assert estimate.status_code == 200 and estimate.json()["classes"] == ["nucleus", "cytoplasm"]


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"classes": ["nucleus", "golgi"]}, "no class “golgi”"),
        ({"classes": 3}, "Classes are blank"),
        ({"classes": ["cytoplasm"], "instance_head": "boundary"}, "none of cytoplasm"),
        ({"classes": "all", "class_weights": [1, 1]}, "Give 3 class weights"),
        ({"instance_head": "contour"}, "not a valid choice"),
        ({"class_weights": [1, 2]}, "Class weights need several classes"),
    ],
)
def test_class_choices_the_project_cannot_serve_are_a_400_with_the_reason(
    api, project, manager, cells, queued, body, text
):
    response = api(manager).post(
        f"/api/projects/{project.slug}/training-jobs/", {**TINY, **body}, format="json"
    )
    assert response.status_code == 400, response.content
    assert text in response.content.decode()
    assert TrainingJob.objects.count() == 0 and queued == []


def test_the_launch_form_trains_ticked_classes_together_with_a_distance_output(
    client, project, manager, cells, queued
):
    client.force_login(manager)
    page = client.get(f"/projects/{project.slug}/training/").content.decode()
    assert 'name="classes"' in page and 'name="instance_head"' in page
    form = {
        "gt_source": "consensus",
        "arch": "unet16",
        "folds": 2,
        "epochs": 2,
        "batch_size": 4,
        "lr": 0.0005,
        "beta1": 0.5,
        "beta2": 0.999,
        "loss": "bce",
        "aug_fraction": 0.3,
        "input_size": 32,
        "seed": 0,
        "classes": ["nucleus", "cytoplasm"],
        "instance_head": "distance",
        "class_weights": "1, 1, 2",
    }
    refused = client.post(
        f"/projects/{project.slug}/training/", {**form, "class_weights": "1, heavy"}
    )
    assert refused.status_code == 400 and "numbers separated by commas" in refused.content.decode()
    launched = client.post(f"/projects/{project.slug}/training/", form)
    assert launched.status_code == 302, launched.content.decode()[-2000:]
    job = TrainingJob.objects.get()
    config = job.config
    assert config["classes"] == ["nucleus", "cytoplasm"] and config["class_values"] == [1, 2]
    assert client.get(f"/training-jobs/{job.pk}/").status_code == 200
    assert config["instance_head"] == "distance" and config["class_weights"] == [1.0, 1.0, 2.0]
