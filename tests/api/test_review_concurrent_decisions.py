"""Two reviewers (or a reviewer and an annotator) deciding on one section at once: the later
decision, made on a page the first one overtook, is a 409 that names the first, and nothing
either of them stored changes."""

from __future__ import annotations

import pytest

from annotations.models import (
    Annotation,
    AnnotationStatus,
    AuditEvent,
    GroundTruth,
    Membership,
    ReviewAction,
    Role,
)
from tests.conftest import _user
from tests.review_support import sections_of, submit, three_disks, with_consensus


@pytest.fixture
def ready(specimen, make_volume, cast):
    return with_consensus(sections_of(specimen, make_volume, shape=(2, 32, 32))[0], cast)


@pytest.fixture
def rob(project):
    """A second reviewer of the project."""
    user = _user("rob")
    Membership.objects.create(project=project, user=user, role=Role.REVIEWER)
    return user


def _post(client, section, action: str, body: dict):
    return client.post(f"/api/sections/{section.pk}/review/{action}/", body, format="json")


SEND_BACK = {"annotators": ["alice"], "comment": "outline too large", "base_version": None}
EXCLUDE = {"reason": "out of focus", "base_version": None}


def _confirm_body(consensus):
    return {"consensus_id": consensus.pk, "base_version": None}


def test_confirming_after_another_reviewer_sent_the_section_back_is_409_naming_them(
    api, ready, reviewer, rob
):
    section, consensus = ready
    assert _post(api(reviewer), section, "send-back", SEND_BACK).status_code == 200

    answer = _post(api(rob), section, "confirm", _confirm_body(consensus))

    assert answer.status_code == 409
    body = answer.json()
    assert body["code"] == "section_status"
    assert "rita sent this section back to alice" in body["detail"]
    assert "outline too large" in body["detail"]
    assert body["current"]["status"] == "sent_back"
    assert body["current"]["by"] == "rita"
    section.refresh_from_db()
    assert section.status == "sent_back"
    assert not GroundTruth.objects.filter(section=section).exists()
    assert Annotation.objects.get(section=section, annotator__username="alice").status == (
        AnnotationStatus.DRAFT
    )


def test_confirming_an_excluded_section_is_409_and_it_stays_excluded(api, ready, reviewer, rob):
    section, consensus = ready
    assert _post(api(reviewer), section, "exclude", EXCLUDE).status_code == 200

    answer = _post(api(rob), section, "confirm", _confirm_body(consensus))

    assert answer.status_code == 409
    assert answer.json()["code"] == "section_status"
    assert "rita excluded this section" in answer.json()["detail"]
    section.refresh_from_db()
    assert section.status == "excluded"
    assert not GroundTruth.objects.filter(section=section).exists()


def test_confirming_after_an_annotator_reopened_their_annotation_is_409(
    api, ready, reviewer, annotator
):
    section, consensus = ready
    reopened = api(annotator).post(f"/api/sections/{section.pk}/annotations/mine/reopen/")
    assert reopened.status_code == 200, reopened.content

    answer = _post(api(reviewer), section, "confirm", _confirm_body(consensus))

    assert answer.status_code == 409
    assert answer.json()["code"] == "section_status"
    assert not GroundTruth.objects.filter(section=section).exists()


@pytest.mark.parametrize("action, body", [("send-back", SEND_BACK), ("exclude", EXCLUDE)])
def test_an_excluded_section_cannot_be_sent_back_or_excluded_again(
    api, ready, reviewer, rob, action, body
):
    section, _ = ready
    assert _post(api(reviewer), section, "exclude", EXCLUDE).status_code == 200

    answer = _post(api(rob), section, action, body)

    assert answer.status_code == 409
    assert answer.json()["code"] == "section_status"
    section.refresh_from_db()
    assert section.status == "excluded"
    assert (
        Annotation.objects.filter(section=section, status=AnnotationStatus.SUBMITTED).count() == 3
    )


@pytest.mark.parametrize("action, body", [("send-back", SEND_BACK), ("exclude", EXCLUDE)])
def test_a_decision_on_a_page_from_before_a_confirmation_is_409_with_the_winner(
    api, ready, reviewer, rob, action, body
):
    section, consensus = ready
    assert _post(api(reviewer), section, "confirm", _confirm_body(consensus)).status_code == 200

    answer = _post(api(rob), section, action, body)

    assert answer.status_code == 409
    assert answer.json()["code"] == "stale_ground_truth"
    assert answer.json()["current"]["version"] == 1
    assert answer.json()["current"]["reviewer"] == "rita"
    section.refresh_from_db()
    assert section.status == "confirmed"
    assert (
        Annotation.objects.filter(section=section, status=AnnotationStatus.SUBMITTED).count() == 3
    )


def test_a_decision_that_names_the_version_it_saw_goes_through(api, ready, reviewer, rob):
    section, consensus = ready
    assert _post(api(reviewer), section, "confirm", _confirm_body(consensus)).status_code == 200

    answer = _post(api(rob), section, "send-back", {**SEND_BACK, "base_version": 1})

    assert answer.status_code == 200
    assert answer.json()["status"] == "sent_back"


# --- undo of an exclusion --------------------------------------------------------------------

INCLUDE = {"reason": "excluded by mistake: the nucleus is in focus"}


def test_including_an_excluded_section_again_returns_it_to_review(api, ready, reviewer, rob):
    section, _ = ready
    assert _post(api(reviewer), section, "exclude", EXCLUDE).status_code == 200

    answer = _post(api(rob), section, "include", INCLUDE)

    assert answer.status_code == 200, answer.content
    assert answer.json() == {"status": "review"}
    section.refresh_from_db()
    assert section.status == "review"
    queue = api(rob).get("/api/projects/lab/review-queue/").json()
    assert [row["id"] for row in queue["results"]] == [section.pk]
    audit = api(rob).get(f"/api/sections/{section.pk}/audit/").json()
    assert audit[-1]["action"] == "include" and audit[-1]["actor"] == "rob"
    assert audit[-1]["summary"] == f"back to review: “{INCLUDE['reason']}”"


def test_including_a_section_excluded_after_its_confirmation_restores_the_confirmation(
    api, ready, reviewer
):
    section, consensus = ready
    client = api(reviewer)
    assert _post(client, section, "confirm", _confirm_body(consensus)).status_code == 200
    assert _post(client, section, "exclude", {**EXCLUDE, "base_version": 1}).status_code == 200

    answer = _post(client, section, "include", INCLUDE)

    assert answer.json() == {"status": "confirmed"}
    assert GroundTruth.objects.get(section=section, is_current=True).version == 1


def test_including_a_section_that_is_not_excluded_is_409(api, ready, reviewer):
    section, _ = ready

    answer = _post(api(reviewer), section, "include", INCLUDE)

    assert answer.status_code == 409
    assert answer.json()["code"] == "section_status"
    assert "The section is ready for review." in answer.json()["detail"]


def test_including_needs_a_reason(api, ready, reviewer):
    section, _ = ready
    assert _post(api(reviewer), section, "exclude", EXCLUDE).status_code == 200

    assert _post(api(reviewer), section, "include", {"reason": "  "}).status_code == 400
    section.refresh_from_db()
    assert section.status == "excluded"


def _send_backs(section) -> list[dict]:
    rows = AuditEvent.objects.filter(section=section, action=ReviewAction.SEND_BACK)
    return [row.detail for row in rows.order_by("at", "id")]


@pytest.mark.parametrize("second", ["reviewer", "rob"])  # a double click, or a second reviewer
def test_sending_back_again_to_the_same_annotators_is_409_and_writes_no_second_row(
    api, ready, reviewer, rob, second
):
    section, _ = ready
    assert _post(api(reviewer), section, "send-back", SEND_BACK).status_code == 200
    again = {**SEND_BACK, "comment": "the left edge too"}

    answer = _post(api({"reviewer": reviewer, "rob": rob}[second]), section, "send-back", again)

    assert answer.status_code == 409
    body = answer.json()
    assert body["code"] == "section_status"
    assert body["detail"].startswith("Already sent back; nothing was changed.")
    assert "rita sent this section back to alice" in body["detail"]
    assert "outline too large" in body["detail"]
    assert (body["current"]["status"], body["current"]["by"]) == ("sent_back", "rita")
    assert body["current"]["action"] == ReviewAction.SEND_BACK and body["current"]["at"]
    assert [row["comment"] for row in _send_backs(section)] == ["outline too large"]


def test_sending_back_to_one_more_annotator_after_a_send_back_goes_through(api, ready, reviewer):
    section, _ = ready
    assert _post(api(reviewer), section, "send-back", SEND_BACK).status_code == 200
    more = {**SEND_BACK, "annotators": ["alice", "bob"], "comment": "bob too"}

    answer = _post(api(reviewer), section, "send-back", more)

    assert answer.status_code == 200
    assert [row["reopened"] for row in _send_backs(section)] == [["alice"], ["bob"]]
    assert Annotation.objects.get(section=section, annotator__username="bob").status == (
        AnnotationStatus.DRAFT
    )


def test_a_send_back_after_the_annotator_resubmitted_and_reopened_goes_through(
    api, ready, reviewer, annotator
):
    """Still sent back (bob has not answered), but alice answered and then reopened her own
    annotation: a new send-back to her is a new round, not a repeat."""
    section, _ = ready
    both = {**SEND_BACK, "annotators": ["alice", "bob"]}
    assert _post(api(reviewer), section, "send-back", both).status_code == 200
    mine = Annotation.objects.get(section=section, annotator=annotator)
    submit(section, annotator, three_disks()[0], base=mine.revision)
    reopen = api(annotator).post(f"/api/sections/{section.pk}/annotations/mine/reopen/")
    assert reopen.status_code == 200
    section.refresh_from_db()
    assert section.status == "sent_back"

    answer = _post(api(reviewer), section, "send-back", {**SEND_BACK, "comment": "once more"})

    assert answer.status_code == 200
    assert [row["comment"] for row in _send_backs(section)] == ["outline too large", "once more"]
