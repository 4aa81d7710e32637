"""``/api/projects/<slug>/learning-curves/``: launching a learning curve over REST with the
settings of the form and ``manage.py learning_curve``, each refusal answered before anything is
written or queued (409 with its code, the largest possible n named), and the project's list."""

from __future__ import annotations

import pytest
import torch

from annotations.models import GroundTruthSnapshot, Project
from inference.ml.nets import create_model
from inference.models import LearningCurve
from inference.services.model_versions import model_version_create, weights_payload
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_training import add_specimens

pytestmark = pytest.mark.django_db

TINY = {"sizes": [1, "all"], "seeds": 2, "arch": "unet16", "samples": 2, "input_size": 32}


def url(project) -> str:
    return f"/api/projects/{project.slug}/learning-curves/"


def refused(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body.get("code") == code
    assert not LearningCurve.objects.exists() and not GroundTruthSnapshot.objects.exists()
    return body


def test_a_manager_launches_a_curve_and_reads_it_in_the_list(api, project, manager, make_volume):
    add_specimens(project, make_volume, 4, sections=2, source="imported")
    version = tiny_model_version(project, arch="unet16", name="pretext")
    body = {**TINY, "start_version": version.pk, "gt_source": "imported"}

    response = api(manager).post(url(project), body, format="json")

    assert response.status_code == 201, response.content
    launched = response.json()
    curve = LearningCurve.objects.get()
    assert launched["id"] == curve.pk and launched["status"] == "queued"
    # One specimen of four is held out: 6 sections to draw from, so "all" is 6.
    assert launched["sizes"] == [1, 6] and launched["seeds"] == 2
    assert launched["total_points"] == 2 * 2 * 2  # sizes × starts × seeds
    assert launched["start_version"] == version.pk and len(launched["held_out"]) == 1
    assert curve.config["gt_source"] == "imported" and curve.config["samples"] == 2

    listed = api(manager).get(url(project)).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == curve.pk
    assert listed["results"][0]["held_out"] == launched["held_out"]


def test_an_n_above_the_training_sections_is_refused_naming_the_largest(
    api, project, manager, make_volume
):
    add_specimens(project, make_volume, 4, sections=3)  # one held out: 9 to train on
    answer = refused(
        api(manager).post(url(project), {**TINY, "sizes": [1, 10]}, format="json"),
        409,
        "too_few_sections",
    )
    assert answer["current"] == {"largest_n": 9}
    assert "n = 10" in answer["detail"] and "Use sizes up to 9" in answer["detail"]


def test_no_annotated_sections_and_one_annotated_specimen_are_refused(
    api, project, manager, make_volume
):
    refused(api(manager).post(url(project), TINY, format="json"), 409, "no_ground_truth")
    add_specimens(project, make_volume, 1, sections=2, prefix="lonely")
    answer = refused(api(manager).post(url(project), TINY, format="json"), 409, "too_few_specimens")
    assert "lonely-00" in answer["detail"]


def test_a_start_version_with_other_input_channels_is_409(api, project, manager, make_volume):
    add_specimens(project, make_volume, 3)
    torch.manual_seed(0)
    two_channels = model_version_create(
        project=project,
        name="two channels",
        arch="unet16",
        weights=weights_payload(
            create_model("unet16", in_channels=2), arch="unet16", input_size=32
        ),
        task="isl",
    )
    answer = refused(
        api(manager).post(url(project), {**TINY, "start_version": two_channels.pk}, format="json"),
        409,
        "channel_mismatch",
    )
    assert "takes 2 channels" in answer["detail"]


def test_a_start_version_of_a_project_you_cannot_see_is_not_found(
    api, project, manager, make_volume
):
    add_specimens(project, make_volume, 3)
    hidden = tiny_model_version(Project.objects.create(slug="elsewhere", name="Elsewhere"))
    refused(
        api(manager).post(url(project), {**TINY, "start_version": hidden.pk}, format="json"), 404
    )


def test_malformed_settings_are_400_per_field(api, project, manager, make_volume):
    add_specimens(project, make_volume, 3)
    for body, field in [
        ({**TINY, "sizes": [0]}, "sizes.0"),
        ({**TINY, "sizes": ["some"]}, "sizes.0"),
        ({**TINY, "sizes": []}, "sizes"),
        ({**TINY, "seeds": 0}, "seeds"),
        ({**TINY, "input_size": 40}, "input_size"),
    ]:
        answer = refused(api(manager).post(url(project), body, format="json"), 400)
        assert field in answer["errors"], answer


def test_only_managers_launch_and_outsiders_see_no_list(
    api, project, manager, annotator, outsider, make_volume
):
    add_specimens(project, make_volume, 3)
    refused(api(annotator).post(url(project), TINY, format="json"), 403)
    assert api(annotator).get(url(project)).json() == {"count": 0, "results": []}
    assert api(outsider).get(url(project)).status_code == 404
