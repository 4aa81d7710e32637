"""Annotate blind: nobody sees another annotator's mask until the section has all it needs."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from django.test import Client
from PIL import Image

from annotations.models import Annotation, Section

SHAPE = (24, 24)


def b64_mask(top: int) -> str:
    mask = np.zeros(SHAPE, dtype=np.uint8)
    mask[top : top + 8, 4:16] = 255
    buffer = io.BytesIO()
    Image.fromarray(mask).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def section(specimen, make_volume):
    volume = make_volume(specimen, shape=(2, *SHAPE))
    return Section.objects.filter(volume=volume).order_by("z").first()


def save(api, user, section, *, submit: bool, top: int = 2):
    response = api(user).put(
        f"/api/sections/{section.pk}/annotations/mine/",
        {
            "base_revision": None,
            "mask_png": b64_mask(top),
            "action": "submit" if submit else "save",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    return Annotation.objects.get(section=section, annotator=user)


def listed(api, user, section) -> set[str]:
    response = api(user).get(f"/api/sections/{section.pk}/annotations/")
    assert response.status_code == 200
    return {item["annotator"] for item in response.json()}


def test_second_annotator_cannot_see_first_before_all_are_submitted(
    api, section, annotator, second_annotator
):
    alice = save(api, annotator, section, submit=True)
    save(api, second_annotator, section, submit=False, top=10)

    assert listed(api, second_annotator, section) == {"bob"}
    assert api(second_annotator).get(f"/api/annotations/{alice.pk}/").status_code == 404
    assert api(second_annotator).get(f"/api/annotations/{alice.pk}/revisions/").status_code == 404
    assert (
        api(second_annotator)
        .get(f"/api/annotations/{alice.pk}/revisions/?include_masks=1")
        .status_code
        == 404
    )
    # "mine" is only ever the caller's own annotation.
    mine = api(second_annotator).get(f"/api/sections/{section.pk}/annotations/mine/").json()
    assert mine["mask_png"] == b64_of_stored(second_annotator, section)


def b64_of_stored(user, section) -> str:
    from annotations.selectors.annotation import latest_revision

    annotation = Annotation.objects.get(section=section, annotator=user)
    return base64.b64encode(bytes(latest_revision(annotation).mask_png)).decode()


def test_an_annotator_with_nothing_yet_sees_nothing(api, section, annotator, second_annotator):
    save(api, annotator, section, submit=True)
    assert listed(api, second_annotator, section) == set()


def test_the_annotate_page_carries_no_other_annotators_mask(
    section, annotator, second_annotator, api
):
    save(api, annotator, section, submit=True)
    client = Client()
    client.force_login(second_annotator)
    html = client.get(f"/sections/{section.pk}/annotate/").content.decode()
    assert b64_of_stored(annotator, section) not in html
    assert f"/api/sections/{section.pk}/annotations/mine/" in html


def test_everything_is_visible_once_the_required_annotations_are_submitted(
    api, section, annotator, second_annotator, third_annotator
):
    alice = save(api, annotator, section, submit=True)
    save(api, second_annotator, section, submit=True, top=6)
    assert listed(api, second_annotator, section) == {"bob"}
    save(api, third_annotator, section, submit=True, top=10)

    assert listed(api, second_annotator, section) == {"alice", "bob", "carol"}
    detail = api(second_annotator).get(f"/api/annotations/{alice.pk}/")
    assert detail.status_code == 200 and detail.json()["mask_png"] == b64_of_stored(
        annotator, section
    )
    assert api(second_annotator).get(f"/api/annotations/{alice.pk}/revisions/").status_code == 200


def test_reopening_blinds_the_section_again(
    api, section, annotator, second_annotator, third_annotator
):
    alice = save(api, annotator, section, submit=True)
    save(api, second_annotator, section, submit=True)
    save(api, third_annotator, section, submit=True)
    assert (
        api(second_annotator)
        .post(f"/api/sections/{section.pk}/annotations/mine/reopen/")
        .status_code
        == 200
    )
    assert api(third_annotator).get(f"/api/annotations/{alice.pk}/").status_code == 404


def test_other_annotators_drafts_stay_private_even_after_unblinding(
    api, section, project, annotator, second_annotator, third_annotator
):
    project.required_annotations = 2
    project.save()
    save(api, annotator, section, submit=True)
    save(api, second_annotator, section, submit=True)
    carol = save(api, third_annotator, section, submit=False)
    assert listed(api, annotator, section) == {"alice", "bob"}
    assert api(annotator).get(f"/api/annotations/{carol.pk}/").status_code == 404


@pytest.mark.parametrize("role_user", ["reviewer", "manager"])
def test_reviewers_and_managers_see_everything_including_drafts(
    api, section, annotator, second_annotator, role_user, request
):
    viewer = request.getfixturevalue(role_user)
    alice = save(api, annotator, section, submit=True)
    bob = save(api, second_annotator, section, submit=False)
    assert listed(api, viewer, section) == {"alice", "bob"}
    for annotation in (alice, bob):
        assert api(viewer).get(f"/api/annotations/{annotation.pk}/").status_code == 200
    history = api(viewer).get(f"/api/annotations/{bob.pk}/revisions/?include_masks=true").json()
    assert history[0]["mask_png"] == b64_of_stored(second_annotator, section)


def test_outsiders_see_no_annotation_at_all(api, section, annotator, outsider):
    alice = save(api, annotator, section, submit=True)
    assert api(outsider).get(f"/api/sections/{section.pk}/annotations/").status_code == 404
    assert api(outsider).get(f"/api/annotations/{alice.pk}/").status_code == 404
    assert api(outsider).get(f"/api/annotations/{alice.pk}/revisions/").status_code == 404
