"""A specimen's frame interval after import: shown on its page and in its API, set or cleared
by a manager (a PATCH of the specimen, or the page's small form), refused for anyone else and
for values that are not minutes above 0; the predictions' time in minutes follows it."""

from __future__ import annotations

import csv
import io

import pytest

from annotations.models import Specimen
from tests.api.test_prediction_api import finished  # noqa: F401  (the fixture)
from tests.conftest import signed_in


def _url(specimen) -> str:
    return f"/api/specimens/{specimen.pk}/"


def test_a_manager_sets_and_clears_the_interval_and_the_api_shows_it(
    api, specimen, manager, annotator
):
    assert api(annotator).get(_url(specimen)).json()["frame_interval_min"] is None
    response = api(manager).patch(_url(specimen), {"frame_interval_min": 5}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["frame_interval_min"] == 5 and response.json()["id"] == specimen.pk
    assert api(annotator).get(_url(specimen)).json()["frame_interval_min"] == 5
    half = api(manager).patch(_url(specimen), {"frame_interval_min": 0.5}, format="json")
    assert half.json()["frame_interval_min"] == 0.5
    cleared = api(manager).patch(_url(specimen), {"frame_interval_min": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["frame_interval_min"] is None
    assert Specimen.objects.get(pk=specimen.pk).frame_interval_min is None


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (0, "above 0"),
        (-3, "above 0"),
        (1e6, "at most"),
        ("ten", "number of minutes"),
        ("5", "number"),
    ],
)
def test_values_that_are_not_minutes_above_zero_are_a_400_and_change_nothing(
    api, specimen, manager, value, says
):
    Specimen.objects.filter(pk=specimen.pk).update(frame_interval_min=4)
    response = api(manager).patch(_url(specimen), {"frame_interval_min": value}, format="json")
    assert response.status_code == 400, response.content
    assert says in response.json()["detail"]
    boolean = api(manager).patch(_url(specimen), {"frame_interval_min": True}, format="json")
    assert boolean.status_code == 400
    unchanged = api(manager).patch(_url(specimen), {}, format="json")  # a PATCH of nothing
    assert unchanged.status_code == 200 and unchanged.json()["frame_interval_min"] == 4
    assert Specimen.objects.get(pk=specimen.pk).frame_interval_min == 4


def test_only_managers_may_change_it(api, specimen, annotator, reviewer, outsider):
    body = {"frame_interval_min": 5}
    assert api(annotator).patch(_url(specimen), body, format="json").status_code == 403
    assert api(reviewer).patch(_url(specimen), body, format="json").status_code == 403
    assert api(outsider).patch(_url(specimen), body, format="json").status_code == 404
    assert (
        signed_in(annotator).post(f"/specimens/{specimen.pk}/", {"frame_interval": "5"}).status_code
        == 403
    )
    assert Specimen.objects.get(pk=specimen.pk).frame_interval_min is None


def test_the_page_shows_it_and_managers_set_it_with_its_form(specimen, manager, annotator):
    page = f"/specimens/{specimen.pk}/"
    html = signed_in(annotator).get(page).content.decode()
    assert "Frame interval: <strong>unknown</strong>" in html and "frame-interval-form" not in html
    client = signed_in(manager)
    assert 'id="frame-interval-form"' in client.get(page).content.decode()
    refused = client.post(page, {"frame_interval": "0"})
    assert refused.status_code == 400 and "above 0" in refused.content.decode()
    assert Specimen.objects.get(pk=specimen.pk).frame_interval_min is None
    saved = client.post(page, {"frame_interval": "7.5"})
    assert saved.status_code == 302 and saved["Location"] == page
    assert Specimen.objects.get(pk=specimen.pk).frame_interval_min == 7.5
    html = signed_in(annotator).get(page).content.decode()
    assert 'data-minutes="7.5"' in html and "<strong>7.5 min</strong>" in html
    assert client.post(page, {"frame_interval": ""}).status_code == 302  # Clear
    assert Specimen.objects.get(pk=specimen.pk).frame_interval_min is None


@pytest.mark.usefixtures("known_nuclei")
def test_the_predictions_time_in_minutes_follows_a_change(api, manager, annotator, finished):  # noqa: F811
    lps = Specimen.objects.get(name="lps-1")
    series_url = f"/api/predictions/{finished.pk}/series/"

    def minutes():
        body = api(annotator).get(series_url).json()
        series = [e for e in body["series"] if e["specimen"] == "lps-1"]
        rows = api(annotator).get(f"/api/predictions/{finished.pk}/nuclei/").json()["results"]
        table = signed_in(annotator).get(f"/predictions/{finished.pk}/nuclei.csv")
        lines = csv.DictReader(io.StringIO(table.content.decode()))
        return (
            [p["time_min"] for p in series[0]["points"]],
            [r["time_min"] for r in rows if r["specimen"] == "lps-1"],
            [line["time_min"] for line in lines if line["specimen"] == "lps-1"],
        )

    assert minutes() == ([None] * 3, [None] * 3, [""] * 3)
    api(manager).patch(_url(lps), {"frame_interval_min": 10}, format="json")
    assert minutes() == ([0, 10, 20], [0, 10, 20], ["0", "10", "20"])
    page = signed_in(annotator).get(f"/predictions/{finished.pk}/").context["config"]
    [chart] = [e for e in page["series"] if e["specimen"] == "lps-1"]
    assert [p["time_min"] for p in chart["points"]] == [0, 10, 20]
    api(manager).patch(_url(lps), {"frame_interval_min": 2.5}, format="json")
    assert minutes() == ([0, 2.5, 5], [0, 2.5, 5], ["0", "2.5", "5"])
    api(manager).patch(_url(lps), {"frame_interval_min": None}, format="json")
    assert minutes() == ([None] * 3, [None] * 3, [""] * 3)


def test_a_specimen_of_one_time_point_says_why_it_has_no_interval_form(
    specimen, make_volume, manager
):
    make_volume(specimen)
    page = f"/specimens/{specimen.pk}/"
    html = signed_in(manager).get(page).content.decode()
    assert "frame-interval-form" not in html
    assert "<strong>not used</strong>: this specimen has a single time point" in html
    make_volume(specimen, time_index=1, seed=1)
    html = signed_in(manager).get(page).content.decode()
    assert 'id="frame-interval-form"' in html and "single time point" not in html
