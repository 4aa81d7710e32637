"""The review REST endpoints: queue, agreement, consensus, confirm, send back and exclude
(ground-truth versions, the audit trail and the dashboard: test_review_records_api.py)."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from annotations.imaging.masks import decode_mask, encode_mask
from annotations.models import Annotation, GroundTruth, Membership, Role, Section, SectionStatus
from tests.review_support import (
    box,
    confirm,
    disk,
    save_revision,
)

SHAPE = (32, 32)


def _b64(mask) -> str:
    return base64.b64encode(encode_mask(mask)).decode()


def _unb64(text) -> np.ndarray:
    return decode_mask(base64.b64decode(text), SHAPE)


# --- queue ---------------------------------------------------------------------------------


def test_queue_lists_sections_ready_for_review_lowest_agreement_first(
    api, reviewer, project, sections
):
    agreements = [0.9, None, 0.5, 0.7]
    for section, agreement in zip(sections, agreements):
        Section.objects.filter(pk=section.pk).update(
            status=SectionStatus.REVIEW, agreement=agreement
        )

    body = api(reviewer).get("/api/projects/lab/review-queue/").json()

    assert [row["agreement"] for row in body["results"]] == [None, 0.5, 0.7, 0.9]
    assert body["count"] == 4
    assert body["results"][0]["url"] == f"/sections/{sections[1].pk}/review/"


def test_queue_leaves_out_open_confirmed_and_excluded_sections(api, reviewer, sections):
    statuses = [
        SectionStatus.OPEN,
        SectionStatus.CONFIRMED,
        SectionStatus.EXCLUDED,
        SectionStatus.REVIEW,
    ]
    for section, status in zip(sections, statuses):
        Section.objects.filter(pk=section.pk).update(status=status, agreement=0.8)

    body = api(reviewer).get("/api/projects/lab/review-queue/").json()

    assert [row["id"] for row in body["results"]] == [sections[3].pk]


def test_queue_brings_back_confirmed_sections_gone_stale_flagged(
    api, ready, reviewer, sections, cast
):
    from annotations.services.review import on_annotation_changed

    section, consensus = ready
    confirm(section, reviewer, consensus)
    Section.objects.filter(pk=sections[1].pk).update(status=SectionStatus.REVIEW, agreement=0.99)
    assert [
        r["id"] for r in api(reviewer).get("/api/projects/lab/review-queue/").json()["results"]
    ] == [sections[1].pk]
    on_annotation_changed(save_revision(section, cast[0], disk(SHAPE, 15, 15, 8)))

    rows = api(reviewer).get("/api/projects/lab/review-queue/").json()["results"]

    assert [(row["id"], row["stale"]) for row in rows] == [
        (section.pk, True),
        (sections[1].pk, False),
    ]
    assert rows[0]["annotators"] == ["alice", "bob", "carol"]
    assert GroundTruth.objects.get(section=section).version == 1


def test_queue_hides_sections_the_reviewer_annotated_unless_self_review(
    api, ready, project, annotator
):
    section, _ = ready
    Membership.objects.create(project=project, user=annotator, role=Role.REVIEWER)

    assert api(annotator).get("/api/projects/lab/review-queue/").json()["results"] == []

    project.allow_self_review = True
    project.save()
    rows = api(annotator).get("/api/projects/lab/review-queue/").json()["results"]
    assert [row["id"] for row in rows] == [section.pk]


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "100000"])
def test_queue_refuses_a_bad_limit(api, reviewer, project, limit):
    assert api(reviewer).get(f"/api/projects/lab/review-queue/?limit={limit}").status_code == 400


# --- agreement and consensus ---------------------------------------------------------------


def test_agreement_reports_pairs_means_and_annotators(api, ready, reviewer):
    section, consensus = ready

    body = api(reviewer).get(f"/api/sections/{section.pk}/agreement/").json()

    assert body["consensus_id"] == consensus.pk
    assert {(p["a"], p["b"]) for p in body["pairs"]} == {
        ("alice", "bob"),
        ("alice", "carol"),
        ("bob", "carol"),
    }
    assert body["mean_dice"] == pytest.approx(np.mean([p["dice"] for p in body["pairs"]]))
    assert [a["annotator"] for a in body["annotators"]] == ["alice", "bob", "carol"]
    assert all(0 <= a["sensitivity"] <= 1 for a in body["annotators"])


def test_agreement_of_a_section_without_consensus_is_empty(api, sections, reviewer):
    body = api(reviewer).get(f"/api/sections/{sections[0].pk}/agreement/").json()
    assert body["consensus_id"] is None and body["pairs"] == []


def test_recompute_consensus(api, ready, reviewer):
    section, old = ready

    response = api(reviewer).post(f"/api/sections/{section.pk}/consensus/")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] != old.pk and body["method"] == "staple"
    assert _unb64(body["mask_png"]).any()
    assert body["agreement"]["consensus_id"] == body["id"]


def test_recompute_with_one_submission_answers_409_with_the_reason(
    api, sections, reviewer, annotator
):
    save_revision(sections[0], annotator, disk(SHAPE, 16, 16, 8))

    response = api(reviewer).post(f"/api/sections/{sections[0].pk}/consensus/")

    assert response.status_code == 409
    assert response.json()["code"] == "too_few_annotations"
    assert (
        response.json()["detail"]
        == "Consensus needs at least 2 submitted annotations; this section has 1."
    )


# --- confirm -------------------------------------------------------------------------------


def _act(client, section, action: str, body: dict):
    """POST ``body`` to ``section``'s review ``action``: confirm, send-back or exclude."""
    return client.post(f"/api/sections/{section.pk}/review/{action}/", body, format="json")


def test_confirm_returns_the_new_version(api, ready, reviewer):
    section, consensus = ready

    body = {"consensus_id": consensus.pk, "edited": False, "base_version": None}
    response = _act(api(reviewer), section, "confirm", body)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 1 and body["reviewer"] == "rita" and body["confirmed_at"]
    np.testing.assert_array_equal(
        _unb64(body["mask_png"]), decode_mask(bytes(consensus.mask_png), SHAPE)
    )


def _confirm_edited(client, ready, mask_png: str):
    section, consensus = ready
    body = {"consensus_id": consensus.pk, "edited": True, "mask_png": mask_png}
    return _act(client, section, "confirm", body)


def test_confirm_with_an_edited_mask(api, ready, reviewer):
    section, _ = ready
    edited = box(SHAPE, slice(4, 20), slice(4, 20))

    response = _confirm_edited(api(reviewer), ready, _b64(edited))

    assert response.status_code == 200, response.content
    np.testing.assert_array_equal(_unb64(response.json()["mask_png"]), edited)
    truth = GroundTruth.objects.get(section=section)
    assert truth.edited and truth.edit_summary["pixels_added"] > 0


def test_confirm_accepts_a_data_url(api, ready, reviewer):
    edited = box(SHAPE, slice(4, 20), slice(4, 20))
    response = _confirm_edited(api(reviewer), ready, "data:image/png;base64," + _b64(edited))
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"consensus_id": "x"},
        {"consensus_id": 0},
        {"consensus_id": 2**70},
        {"consensus_id": 1, "edited": True},
        {"consensus_id": 1, "edited": True, "mask_png": "not base64!!"},
        {"consensus_id": 1, "edited": True, "mask_png": base64.b64encode(b"not a png").decode()},
        {"consensus_id": 1, "base_version": -3},
        {"consensus_id": 1, "base_version": "one"},
    ],
)
def test_confirm_refuses_bad_bodies(api, ready, reviewer, body):
    section, _ = ready
    response = _act(api(reviewer), section, "confirm", body)
    assert response.status_code == 400, response.content


def test_confirm_without_a_consensus_says_why(api, sections, reviewer):
    response = _act(api(reviewer), sections[0], "confirm", {"consensus_id": None})
    assert response.status_code == 409
    assert response.json()["code"] == "too_few_annotations"
    assert "needs at least 2 submitted annotations" in response.json()["detail"]


def test_confirm_refuses_a_mask_of_the_wrong_size(api, ready, reviewer):
    response = _confirm_edited(api(reviewer), ready, _b64(np.ones((8, 8), bool)))
    assert response.status_code == 400
    assert "section" in response.json()["detail"]


def test_a_second_confirmation_from_the_same_base_gets_409_with_the_winner(
    api, ready, reviewer, project
):
    section, consensus = ready
    from tests.conftest import _member

    other = _member(project, "ruth", Role.REVIEWER)
    body = {"consensus_id": consensus.pk, "edited": False, "base_version": None}
    winner = _act(api(reviewer), section, "confirm", body).json()

    response = _act(api(other), section, "confirm", body)

    assert response.status_code == 409
    assert response.json()["current"]["version"] == winner["version"]
    assert response.json()["current"]["reviewer"] == "rita"
    assert response.json()["current"]["mask_png"] == winner["mask_png"]
    assert "detail" in response.json()


# --- send back and exclude -----------------------------------------------------------------


def test_send_back_by_username(api, ready, reviewer):
    section, _ = ready

    body = {"comment": "The lower edge cuts the nucleus", "annotators": ["bob"]}
    response = _act(api(reviewer), section, "send-back", body)

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "sent_back", "annotators": ["bob"], "submitted_count": 2}
    assert Annotation.objects.get(section=section, annotator__username="bob").status == "draft"


@pytest.mark.parametrize(
    "body",
    [
        {"comment": "", "annotators": ["bob"]},
        {"comment": "redo", "annotators": []},
        {"comment": "redo", "annotators": ["nobody"]},
        {"comment": "redo", "annotators": "bob"},
        {"annotators": ["bob"]},
    ],
)
def test_send_back_refuses_bad_bodies(api, ready, reviewer, body):
    section, _ = ready
    response = _act(api(reviewer), section, "send-back", body)
    assert response.status_code == 400, response.content


def test_exclude(api, ready, reviewer):
    section, _ = ready

    response = _act(api(reviewer), section, "exclude", {"reason": "No nucleus in view"})

    assert response.status_code == 200
    assert response.json() == {"status": "excluded"}
    assert api(reviewer).get("/api/projects/lab/review-queue/").json()["results"] == []


def test_exclude_needs_a_reason(api, ready, reviewer):
    section, _ = ready
    response = _act(api(reviewer), section, "exclude", {"reason": ""})
    assert response.status_code == 400
