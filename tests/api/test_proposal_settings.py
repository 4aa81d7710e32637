"""The project setting ``proposals`` (off / offered / start), the annotate page's proposal
configuration and the review page's count of annotations that started from a proposal."""

from __future__ import annotations

import pytest

from annotations.models import Project, Section
from tests.api.test_annotation_api import SHAPE, b64, rect_mask
from tests.conftest import signed_in
from tests.helpers_pages import page_config, settings_form_post


@pytest.fixture
def section(specimen, make_volume):
    volume = make_volume(specimen, shape=(2, *SHAPE))
    return Section.objects.filter(volume=volume).order_by("z").first()


def test_managers_set_the_mode_through_the_api_and_bad_values_are_refused(
    api, manager, annotator, project
):
    assert api(manager).get("/api/projects/lab/").json()["settings"]["proposals"] == "off"
    response = api(manager).patch("/api/projects/lab/", {"proposals": "offered"}, format="json")
    assert response.status_code == 200, response.content
    assert Project.objects.get(pk=project.pk).proposals == "offered"
    bad = api(manager).patch("/api/projects/lab/", {"proposals": "always"}, format="json")
    assert bad.status_code == 400 and "proposals" in bad.content.decode()
    assert (
        api(annotator)
        .patch("/api/projects/lab/", {"proposals": "start"}, format="json")
        .status_code
        == 403
    )
    assert Project.objects.get(pk=project.pk).proposals == "offered"


def test_the_settings_page_saves_the_mode(manager, project):
    client = signed_in(manager)
    assert "Model proposals in the editor" in client.get("/projects/lab/settings/").content.decode()
    response = settings_form_post(client, proposals="start")
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).proposals == "start"
    assert Project.objects.get(pk=project.pk).annotations_before_proposals == 0  # kept
    page = client.get("/projects/lab/settings/").content.decode()
    assert "made without a proposal first" in page
    response = settings_form_post(client, proposals="start", annotations_before_proposals=2)
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).annotations_before_proposals == 2
    refused = settings_form_post(client, proposals="start", annotations_before_proposals=21)
    assert refused.status_code == 400
    assert Project.objects.get(pk=project.pk).annotations_before_proposals == 2


def test_the_annotate_page_offers_the_proposal_only_with_the_setting_and_an_active_model(
    annotator, manager, project, section
):
    from inference.services.model_versions import model_version_activate
    from tests.helpers_evaluation import tiny_model_version

    client = signed_in(annotator)
    url = f"/sections/{section.pk}/annotate/"
    project.proposals = "offered"
    project.save(update_fields=["proposals"])
    assert page_config(client.get(url).content.decode())["proposal"] is None  # no active model
    model_version_activate(version=tiny_model_version(project, input_size=32), user=manager)
    html = client.get(url).content.decode()
    assert page_config(html)["proposal"] == {
        "url": f"/api/sections/{section.pk}/proposal.png",
        "mode": "offered",
    }
    assert "Load the model&#x27;s proposal" in html or "Load the model's proposal" in html
    project.proposals = "off"
    project.save(update_fields=["proposals"])
    assert page_config(client.get(url).content.decode())["proposal"] is None


def test_the_review_page_counts_annotations_started_from_a_proposal(
    api, cast, reviewer, project, section
):
    from tests.helpers_evaluation import tiny_model_version

    version = tiny_model_version(project, input_size=32)
    origins = [
        {"origin": "model", "origin_model_version": version.pk},
        {"origin": "model", "origin_model_version": version.pk},
        {},
    ]
    for user, origin in zip(cast, origins):
        body = {"mask_png": b64(rect_mask()), "base_revision": None, "action": "submit", **origin}
        response = api(user).put(
            f"/api/sections/{section.pk}/annotations/mine/", body, format="json"
        )
        assert response.status_code == 200, response.content
    project.annotations_before_proposals = 1
    project.save(update_fields=["annotations_before_proposals"])
    html = signed_in(reviewer).get(f"/sections/{section.pk}/review/").content.decode()
    config = page_config(html)
    blank = cast[2].get_username()
    assert config["origins"] == {
        "from_proposal": 2,
        "own_previous": 0,
        "total": 3,
        "model_versions": [version.pk],
        "references_required": 1,
        "reference_annotators": [blank],
    }
    assert [a["origin"] for a in config["annotations"]].count("model") == 2
    # The one annotation made without a proposal is the section's independent reference.
    assert [a["annotator"] for a in config["annotations"] if a["independent_reference"]] == [blank]
    assert f'data-references="{blank}"' in html
    assert 'data-from-proposal="2"' in html
    assert (
        f"2 of 3</b> annotations started from a model proposal (model version {version.pk})" in html
    )
