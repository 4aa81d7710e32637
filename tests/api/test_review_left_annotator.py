"""An annotator removed from the project after submitting: their annotation stays data (the
consensus still counts it), the review page says they are no longer an annotator, and it never
offers a send-back to them that the API would refuse."""

from __future__ import annotations

import pytest

from annotations.models import Consensus, Membership, Role
from tests.helpers_pages import page_config
from tests.review_support import sections_of, with_consensus


@pytest.fixture
def ready(specimen, make_volume, cast):
    return with_consensus(sections_of(specimen, make_volume, shape=(2, 32, 32))[0], cast)


def _remove(project, *users) -> None:
    Membership.objects.filter(project=project, user__in=users, role=Role.ANNOTATOR).delete()


def _send_back(client, section, names):
    body = {"annotators": names, "comment": "outline too large", "base_version": None}
    return client.post(f"/api/sections/{section.pk}/review/send-back/", body, format="json")


def test_a_removed_annotators_submission_still_counts_in_the_consensus(
    api, project, ready, reviewer, annotator
):
    section, _ = ready
    _remove(project, annotator)

    answer = api(reviewer).post(f"/api/sections/{section.pk}/consensus/")

    assert answer.status_code == 201
    current = Consensus.objects.get(section=section, is_current=True)
    inputs = current.inputs.values_list("annotation__annotator__username", flat=True)
    assert sorted(inputs) == ["alice", "bob", "carol"]
    assert current.agreement["n"] == 3


def test_the_review_page_says_who_left_and_offers_no_send_back_to_them(
    api, client, project, ready, reviewer, annotator
):
    section, _ = ready
    _remove(project, annotator)
    client.force_login(reviewer)

    response = client.get(f"/sections/{section.pk}/review/")

    config = page_config(response)
    left = {a["annotator"]: a["left_project"] for a in config["annotations"]}
    assert left["bob"] is None and left["carol"] is None
    assert left["alice"].startswith("alice is no longer an annotator of this project")
    assert "still counts in the consensus" in left["alice"]
    assert config["actions"]["sendBack"] and config["sendBackNote"] is None
    html = response.content.decode()
    assert 'data-role="left-project" data-annotator="alice"' in html
    # What the page holds back, the API refuses; the others can still be sent back.
    assert _send_back(api(reviewer), section, ["alice"]).status_code == 400
    assert _send_back(api(reviewer), section, ["bob"]).status_code == 200


def test_with_every_annotator_gone_the_page_offers_no_send_back_and_says_why(
    api, client, project, ready, reviewer, cast
):
    section, _ = ready
    _remove(project, *cast)
    client.force_login(reviewer)

    config = page_config(client.get(f"/sections/{section.pk}/review/"))

    assert "sendBack" not in config["actions"]
    assert config["actions"]["confirm"] and config["actions"]["exclude"]
    assert config["sendBackNote"] == (
        "Nobody to send this section back to: alice, bob, carol are no longer annotators of "
        "this project."
    )
    assert _send_back(api(reviewer), section, ["alice", "bob", "carol"]).status_code == 400
