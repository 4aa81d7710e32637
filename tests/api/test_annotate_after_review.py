"""An annotate page left open while a reviewer decides: its next save, submit or reopen is
answered with what happened (who, when, their comment or reason) and stores nothing; a page
whose submission was sent back can edit again at once."""

from __future__ import annotations

import numpy as np
import pytest
from django.contrib.auth import get_user_model

from annotations.models import (
    Annotation,
    AnnotationRevision,
    AuditEvent,
    Consensus,
    Membership,
    ReviewAction,
    Role,
    Section,
    SectionStatus,
)
from tests.api.test_annotation_api import save_mask
from tests.review_support import disk, submit

SHAPE = (32, 32)
COMMENT = "The nucleus edge is too far out on the left; follow the dark rim."


@pytest.fixture
def in_review(specimen, make_volume, cast):
    """alice, bob and carol submitted section z1: it is ready for review."""
    volume = make_volume(specimen, shape=(3, *SHAPE))
    section = Section.objects.get(volume=volume, z=1)
    for offset, user in enumerate(cast):
        submit(section, user, disk(SHAPE, 16, 16 + offset, 8))
    assert Section.objects.get(pk=section.pk).status == SectionStatus.REVIEW
    return section


@pytest.fixture
def dan(project, api, in_review):
    """A fourth annotator with a draft of the section open (revision 1)."""
    user = get_user_model().objects.create_user(username="dan", password="x")
    Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
    response = save_mask(api(user), in_review, disk(SHAPE, 16, 16, 7))
    assert response.status_code == 200, response.content
    return user


def review(api, reviewer, section, action: str, **body):
    response = api(reviewer).post(
        f"/api/sections/{section.pk}/review/{action}/", body, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_a_reopen_after_a_send_back_says_who_and_why_and_the_page_can_edit(
    api, reviewer, annotator, in_review
):
    # alice's page still shows her submission; rita sends the section back to her.
    review(api, reviewer, in_review, "send-back", comment=COMMENT, annotators=["alice"])
    response = api(annotator).post(f"/api/sections/{in_review.pk}/annotations/mine/reopen/")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "annotation_draft"
    assert body["detail"].startswith("rita sent this section back to you (")
    assert f"UTC): “{COMMENT}” Your annotation is a draft again" in body["detail"]
    assert body["current"]["status"] == "draft" and body["current"]["can_edit"] is True
    # Her next save goes on top of her submission: nothing she drew is lost.
    saved = save_mask(api(annotator), in_review, disk(SHAPE, 16, 15, 8), base_revision=1)
    assert saved.status_code == 200 and saved.json()["revision"] == 2


def test_a_save_after_a_confirmation_names_the_reviewer_and_stores_nothing(
    api, reviewer, dan, in_review
):
    consensus = Consensus.objects.get(section=in_review, is_current=True)
    review(api, reviewer, in_review, "confirm", consensus_id=consensus.pk, base_version=None)
    before = AnnotationRevision.objects.filter(annotation__annotator=dan).count()
    for action in ("save", "submit"):
        response = save_mask(
            api(dan), in_review, disk(SHAPE, 16, 16, 9), base_revision=1, action=action
        )
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "section_confirmed"
        assert body["detail"].startswith("rita confirmed this section's ground truth version 1 (")
        assert body["detail"].endswith("Its annotations are locked; nothing was saved.")
        assert body["current"]["can_edit"] is False
    assert AnnotationRevision.objects.filter(annotation__annotator=dan).count() == before
    # A page opened later hears the same, so it can offer what the browser kept as a file.
    mine = api(dan).get(f"/api/sections/{in_review.pk}/annotations/mine/").json()
    assert mine["locked"]["code"] == "section_confirmed"
    assert mine["locked"]["detail"].startswith("rita confirmed this section's ground truth")
    assert mine["locked"]["detail"].endswith("UTC). Its annotations are locked.")


def test_a_save_after_an_exclusion_names_the_reviewer_and_the_reason(api, reviewer, dan, in_review):
    review(api, reviewer, in_review, "exclude", reason="out of focus")
    response = save_mask(api(dan), in_review, np.zeros(SHAPE, dtype=bool), base_revision=1)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "section_excluded"
    assert body["detail"].startswith("rita excluded this section (")
    assert body["detail"].endswith(
        "UTC): “out of focus”. It no longer takes annotations; nothing was saved."
    )
    locked = api(dan).get(f"/api/sections/{in_review.pk}/annotations/mine/").json()["locked"]
    assert locked["code"] == "section_excluded"
    assert locked["detail"].endswith("“out of focus”. It no longer takes annotations.")


def test_a_send_back_naming_a_never_submitted_draft_is_refused_and_changes_nothing(
    api, reviewer, annotator, dan, in_review
):
    response = api(reviewer).post(
        f"/api/sections/{in_review.pk}/review/send-back/",
        {"comment": COMMENT, "annotators": ["alice", "dan"]},
        format="json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "annotation_not_submitted"
    assert body["detail"].startswith("dan has not submitted an annotation of this section")
    assert body["current"]["not_submitted"] == ["dan"]
    assert Section.objects.get(pk=in_review.pk).status == SectionStatus.REVIEW
    assert not AuditEvent.objects.filter(section=in_review, action=ReviewAction.SEND_BACK).exists()
    assert Annotation.objects.get(section=in_review, annotator=annotator).status == "submitted"


def test_a_reopened_author_named_in_a_send_back_hears_it_once_at_the_next_save(
    api, reviewer, annotator, in_review
):
    """alice reopened her submission herself; rita, who reviewed it, sends it back to her."""
    client = api(annotator)
    assert client.post(f"/api/sections/{in_review.pk}/annotations/mine/reopen/").status_code == 200
    review(api, reviewer, in_review, "send-back", comment=COMMENT, annotators=["alice"])

    first = save_mask(client, in_review, disk(SHAPE, 16, 15, 8), base_revision=1)
    assert first.status_code == 200, first.content
    news = first.json()["sent_back"]
    assert news["reviewer"] == "rita" and news["comment"] == COMMENT
    assert news["said"].startswith("rita sent this section back to you (")
    assert news["said"].endswith(
        f"UTC): “{COMMENT}” Your draft was saved: keep editing it and submit when done."
    )
    # Once: the next save says nothing more.
    second = save_mask(client, in_review, disk(SHAPE, 16, 14, 8), base_revision=2)
    assert second.status_code == 200 and second.json()["sent_back"] is None


def test_an_author_whose_submission_was_sent_back_hears_it_at_the_reopen_not_again(
    api, reviewer, annotator, in_review
):
    review(api, reviewer, in_review, "send-back", comment=COMMENT, annotators=["alice"])
    client = api(annotator)
    assert client.post(f"/api/sections/{in_review.pk}/annotations/mine/reopen/").status_code == 409
    saved = save_mask(client, in_review, disk(SHAPE, 16, 15, 8), base_revision=1)
    assert saved.status_code == 200 and saved.json()["sent_back"] is None
