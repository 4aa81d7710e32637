"""A send-back's comment reaches the annotator it names (section, queue, API, home and project
pages), and their resubmission reaches the reviewer as a response."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.models import Section, SectionStatus
from annotations.services.annotation import annotation_reopen, section_offer_claim
from tests.conftest import signed_in
from tests.helpers_pages import page_config
from tests.review_support import disk, submit

SHAPE = (32, 32)
COMMENT = "The nucleus edge is too far out on the left; follow the dark rim."


@pytest.fixture
def sent_back(specimen, make_volume, cast, reviewer, api):
    """Three annotators submitted section z1; the reviewer sent it back to alice."""
    volume = make_volume(specimen, shape=(3, *SHAPE))
    section = Section.objects.get(volume=volume, z=1)
    for offset, user in enumerate(cast):
        submit(section, user, disk(SHAPE, 16, 16 + offset, 8))
    assert Section.objects.get(pk=section.pk).status == SectionStatus.REVIEW
    response = api(reviewer).post(
        f"/api/sections/{section.pk}/review/send-back/",
        {"comment": COMMENT, "annotators": ["alice"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    return section


def test_the_annotate_page_says_who_sent_it_back_and_why(sent_back, annotator):
    html = signed_in(annotator).get(f"/sections/{sent_back.pk}/annotate/").content.decode()
    assert "Sent back by rita" in html
    assert COMMENT in html


def test_the_mine_api_carries_the_send_back(api, sent_back, annotator, second_annotator):
    mine = api(annotator).get(f"/api/sections/{sent_back.pk}/annotations/mine/").json()
    assert mine["status"] == "draft"
    assert mine["sent_back"]["reviewer"] == "rita"
    assert mine["sent_back"]["comment"] == COMMENT
    assert mine["sent_back"]["answered"] is False
    # Bob was not named: nothing was sent back to him.
    other = api(second_annotator).get(f"/api/sections/{sent_back.pk}/annotations/mine/").json()
    assert other["sent_back"] is None


def test_the_queue_lists_it_and_hands_it_out_first(
    api, project, sent_back, annotator, second_annotator
):
    listed = api(annotator).get(f"/api/projects/{project.slug}/annotate/sent-back/").json()
    assert [row["section_id"] for row in listed] == [sent_back.pk]
    assert listed[0]["comment"] == COMMENT
    assert listed[0]["url"] == f"/sections/{sent_back.pk}/annotate/"
    assert (
        api(second_annotator).get(f"/api/projects/{project.slug}/annotate/sent-back/").json() == []
    )
    assert section_offer_claim(user=annotator, project=project).pk == sent_back.pk


def test_home_and_project_pages_show_the_comment_to_the_named_annotator_only(
    project, sent_back, annotator, second_annotator
):
    for url in ("/", f"/projects/{project.slug}/"):
        html = signed_in(annotator).get(url).content.decode()
        assert 'id="sent-back"' in html and COMMENT in html, url
        assert f"/sections/{sent_back.pk}/annotate/" in html
        assert COMMENT not in signed_in(second_annotator).get(url).content.decode()


def test_the_resubmission_is_a_response_for_the_reviewer(
    api, project, sent_back, annotator, reviewer
):
    submit(sent_back, annotator, disk(SHAPE, 16, 16, 7), base=1)
    assert Section.objects.get(pk=sent_back.pk).status == SectionStatus.REVIEW

    queue = api(reviewer).get(f"/api/projects/{project.slug}/review-queue/").json()
    row = next(r for r in queue["results"] if r["id"] == sent_back.pk)
    assert row["response"] is True
    assert (
        "response" in signed_in(reviewer).get(f"/projects/{project.slug}/review/").content.decode()
    )

    html = signed_in(reviewer).get(f"/sections/{sent_back.pk}/review/").content.decode()
    assert 'id="send-back-response"' in html and COMMENT in html
    assert "alice: response" in html
    config = page_config(html)
    by_name = {a["annotator"]: a for a in config["annotations"]}
    assert by_name["alice"]["response"]["comment"] == COMMENT
    assert by_name["bob"]["response"] is None

    # Answered: no longer waiting in alice's list, and marked answered on her section.
    assert api(annotator).get(f"/api/projects/{project.slug}/annotate/sent-back/").json() == []
    mine = api(annotator).get(f"/api/sections/{sent_back.pk}/annotations/mine/").json()
    assert mine["sent_back"]["answered"] is True


def test_a_section_never_sent_back_is_no_response(
    api, project, specimen, make_volume, cast, reviewer
):
    volume = make_volume(specimen, shape=(1, *SHAPE))
    section = Section.objects.get(volume=volume)
    for user in cast:
        submit(section, user, disk(SHAPE, 16, 16, 8))
    queue = api(reviewer).get(f"/api/projects/{project.slug}/review-queue/").json()
    assert [r["response"] for r in queue["results"]] == [False]


def test_reopening_by_oneself_is_not_a_send_back(api, project, specimen, make_volume, annotator):
    volume = make_volume(specimen, shape=(1, *SHAPE))
    section = Section.objects.select_related("project", "volume", "specimen").get(volume=volume)
    submit(section, annotator, np.ones(SHAPE, dtype=bool))
    annotation_reopen(section=section, user=annotator)
    assert api(annotator).get(f"/api/projects/{project.slug}/annotate/sent-back/").json() == []
