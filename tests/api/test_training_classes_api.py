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
