"""The review queue a reviewer works from: sections named by specimen, time point and z, and
server-side filters (specimen, responses only, stale only) that paging keeps."""

from __future__ import annotations

import re

import pytest

from tests.conftest import signed_in
from tests.helpers_queue import review_queue_day


def listed(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-section-id="(\d+)"', html)]


@pytest.fixture
def queue(project, specimen, make_volume, cast, reviewer):
    return review_queue_day(project, specimen, make_volume, cast, reviewer)


@pytest.fixture
def browser(reviewer):
    return signed_in(reviewer)


def test_queue_names_sections_by_specimen_time_point_and_z(browser, queue):
    section = queue["second"][1]

    html = browser.get("/projects/lab/review/").content.decode()

    link = re.search(rf'<a href="/sections/{section.pk}/review/">(.*?)</a>', html).group(1)
    assert link == "cell-02 · t1 · z1 of z0–z2"
    assert f">#{section.pk}<" not in html


def test_filters_narrow_the_queue_on_the_server(browser, queue):
    other = queue["other"]
    everything = listed(browser.get("/projects/lab/review/").content.decode())
    assert len(everything) == 6

    by_specimen = listed(browser.get(f"/projects/lab/review/?specimen={other.pk}").content.decode())
    assert by_specimen == [s.pk for s in (queue["second"][0], queue["second"][1], queue["stale"])]

    responses = browser.get("/projects/lab/review/?responses=on").content.decode()
    assert listed(responses) == [queue["answered"].pk]
    assert "1 section waiting matches the filter" in responses

    assert listed(browser.get("/projects/lab/review/?stale=on").content.decode()) == [
        queue["stale"].pk
    ]
    both = browser.get(f"/projects/lab/review/?specimen={other.pk}&responses=on")
    assert listed(both.content.decode()) == []
    assert "Nothing waiting for review matches the filter" in both.content.decode()


def test_paging_keeps_the_filters(browser, queue, monkeypatch):
    monkeypatch.setattr("annotations.views.review.QUEUE_PAGE_ROWS", 2)
    other = queue["other"]

    html = browser.get(f"/projects/lab/review/?specimen={other.pk}").content.decode()

    assert listed(html) == [queue["second"][0].pk, queue["second"][1].pk]
    following = re.search(r'<a rel="next" href="\?([^"]*)"', html).group(1)
    assert following == f"specimen={other.pk}&amp;page=2"
    second_page = browser.get(f"/projects/lab/review/?specimen={other.pk}&page=2")
    assert listed(second_page.content.decode()) == [queue["stale"].pk]
    assert f'<a rel="prev" href="?specimen={other.pk}"' in second_page.content.decode()
    beyond = browser.get(f"/projects/lab/review/?specimen={other.pk}&page=3").content.decode()
    assert listed(beyond) == [] and f'href="?specimen={other.pk}">back to the first page' in beyond


def test_the_filter_form_is_on_the_page_and_keeps_its_choices(browser, queue):
    other = queue["other"]

    html = browser.get(f"/projects/lab/review/?specimen={other.pk}&stale=on").content.decode()

    form = re.search(r'<form method="get"[^>]*id="queue-filter".*?</form>', html, re.S).group(0)
    assert f'<option value="{other.pk}" selected>cell-02</option>' in form
    assert re.search(r'name="stale"[^>]*checked', form)
    assert not re.search(r'name="responses"[^>]*checked', form)


@pytest.mark.parametrize("query", ["specimen=999999", "specimen=abc", "page=0"])
def test_a_bad_filter_is_a_400_that_says_which(browser, queue, query):
    response = browser.get(f"/projects/lab/review/?{query}")

    assert response.status_code == 400
    assert 'data-role="filter-errors"' in response.content.decode()
    assert listed(response.content.decode()) == []


def test_the_api_filters_and_pages_the_same_way(api, reviewer, queue):
    other = queue["other"]
    client = api(reviewer)

    body = client.get(
        f"/api/projects/lab/review-queue/?specimen={other.pk}&limit=2&offset=2"
    ).json()
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == [queue["stale"].pk]
    assert body["results"][0]["label"] == "cell-02 · t1 · z2 of z0–z2"
    assert [
        row["id"]
        for row in client.get("/api/projects/lab/review-queue/?responses=true").json()["results"]
    ] == [queue["answered"].pk]
    stale = client.get("/api/projects/lab/review-queue/?stale=true").json()["results"]
    assert [row["id"] for row in stale] == [queue["stale"].pk] and stale[0]["stale"] is True
    unknown = client.get("/api/projects/lab/review-queue/?specimen=999999")
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "This project has no specimen 999999."


def test_reading_a_filtered_queue_writes_nothing(browser, queue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        browser.get("/projects/lab/review/?responses=on&stale=on&page=1")
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE"}]
    assert [sql for sql in writes if "django_session" not in sql] == []
