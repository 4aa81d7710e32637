"""Who may do what in review: annotators 403, outsiders 404, managers read, reviewers act."""

from __future__ import annotations

import pytest

from annotations.models import Membership, Role
from tests.review_support import sections_of, with_consensus

SHAPE = (32, 32)


@pytest.fixture
def ready(specimen, make_volume, cast):
    return with_consensus(sections_of(specimen, make_volume)[0], cast)


READS = [
    ("get", "/api/projects/lab/review-queue/"),
    ("get", "/api/projects/lab/dashboard/"),
    ("get", "/api/sections/{id}/agreement/"),
    ("post", "/api/sections/{id}/consensus/"),
    ("get", "/api/sections/{id}/ground-truth/"),
    ("get", "/api/sections/{id}/audit/"),
]
ACTIONS = [
    ("post", "/api/sections/{id}/review/confirm/"),
    ("post", "/api/sections/{id}/review/send-back/"),
    ("post", "/api/sections/{id}/review/exclude/"),
]
PAGES = [
    "/projects/lab/review/",
    "/projects/lab/review/next/",
    "/projects/lab/dashboard/",
    "/sections/{id}/review/",
]


def _body(url: str, consensus) -> dict:
    if url.endswith("confirm/"):
        return {"consensus_id": consensus.pk, "edited": False, "base_version": None}
    if url.endswith("send-back/"):
        return {"comment": "redo the edge", "annotators": ["alice"]}
    if url.endswith("exclude/"):
        return {"reason": "out of focus"}
    return {}


def _call(client, method, url, ready):
    section, consensus = ready
    url = url.format(id=section.pk)
    if method == "get":
        return client.get(url)
    return client.post(url, _body(url, consensus), format="json")


@pytest.mark.parametrize(("method", "url"), READS + ACTIONS)
def test_annotators_get_403(api, ready, annotator, method, url):
    assert _call(api(annotator), method, url, ready).status_code == 403


@pytest.mark.parametrize(("method", "url"), READS + ACTIONS)
def test_outsiders_get_404(api, ready, outsider, method, url):
    assert _call(api(outsider), method, url, ready).status_code == 404


@pytest.mark.parametrize(("method", "url"), READS + ACTIONS)
def test_anonymous_callers_are_refused(api, ready, method, url):
    assert _call(api(None), method, url, ready).status_code in (401, 403)


@pytest.mark.parametrize(("method", "url"), READS + ACTIONS)
def test_reviewers_may(api, ready, reviewer, method, url):
    response = _call(api(reviewer), method, url, ready)
    assert response.status_code in (200, 201), response.content


@pytest.mark.parametrize(("method", "url"), READS)
def test_managers_may_look(api, ready, manager, method, url):
    assert _call(api(manager), method, url, ready).status_code in (200, 201)


@pytest.mark.parametrize(("method", "url"), ACTIONS)
def test_managers_may_not_decide(api, ready, manager, method, url):
    assert _call(api(manager), method, url, ready).status_code == 403


@pytest.mark.parametrize(("method", "url"), ACTIONS)
def test_a_reviewer_who_annotated_the_section_is_refused(
    api, ready, annotator, project, method, url
):
    Membership.objects.create(project=project, user=annotator, role=Role.REVIEWER)
    response = _call(api(annotator), method, url, ready)
    assert response.status_code == 403
    assert "self-review" in response.json()["detail"]


@pytest.mark.parametrize(("method", "url"), ACTIONS)
def test_self_review_works_when_the_project_allows_it(api, ready, annotator, project, method, url):
    Membership.objects.create(project=project, user=annotator, role=Role.REVIEWER)
    project.allow_self_review = True
    project.save()
    assert _call(api(annotator), method, url, ready).status_code == 200


def test_unknown_sections_and_huge_ids_are_404(api, reviewer):
    client = api(reviewer)
    assert client.get("/api/sections/999999/agreement/").status_code == 404
    assert client.get(f"/api/sections/{2**64}/audit/").status_code == 404
    assert (
        client.post(
            f"/api/sections/{2**64}/review/exclude/", {"reason": "x"}, format="json"
        ).status_code
        == 404
    )
    assert client.get("/api/projects/nope/review-queue/").status_code == 404


# --- pages ---------------------------------------------------------------------------------


def _page(client, url, ready):
    return client.get(url.format(id=ready[0].pk))


@pytest.mark.parametrize("url", PAGES)
def test_pages_refuse_annotators_with_403(client, ready, annotator, url):
    client.force_login(annotator)
    assert _page(client, url, ready).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_pages_hide_projects_from_outsiders(client, ready, outsider, url):
    client.force_login(outsider)
    assert _page(client, url, ready).status_code == 404


@pytest.mark.parametrize("url", PAGES)
def test_pages_send_anonymous_visitors_to_sign_in(client, ready, url):
    response = _page(client, url, ready)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_open_for_reviewers_and_managers(client, ready, reviewer, manager, url):
    for user in (reviewer, manager):
        client.force_login(user)
        assert _page(client, url, ready).status_code in (200, 302)


def _send_back_without_bob(api, section, reviewer, bob, names: list[str]):
    """Bob leaves the project; then the reviewer sends ``section`` back to ``names``."""
    Membership.objects.filter(user=bob).delete()
    return api(reviewer).post(
        f"/api/sections/{section.pk}/review/send-back/",
        {"annotators": names, "comment": "outline too large"},
        format="json",
    )


def test_sending_back_to_an_annotator_removed_from_the_project_is_refused(
    api, ready, reviewer, second_annotator
):
    section, _ = ready

    answer = _send_back_without_bob(api, section, reviewer, second_annotator, ["alice", "bob"])

    assert answer.status_code == 400
    assert "bob is no longer an annotator of this project" in answer.json()["detail"]
    section.refresh_from_db()
    assert section.status == "review" and section.submitted_count == 3
    assert set(section.annotations.values_list("status", flat=True)) == {"submitted"}
    audit = api(reviewer).get(f"/api/sections/{section.pk}/audit/").json()
    assert [row["action"] for row in audit] == ["consensus"]


def test_a_send_back_still_reaches_the_annotators_who_stayed(
    api, ready, reviewer, second_annotator
):
    section, _ = ready

    answer = _send_back_without_bob(api, section, reviewer, second_annotator, ["alice"])

    assert answer.status_code == 200, answer.content
    assert answer.json()["annotators"] == ["alice"]
