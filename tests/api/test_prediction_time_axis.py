"""Time in minutes beside the time point's index where the specimen's frame interval is known
(series API, page chart, nuclei API and CSV), index only where it is not; and the CSV's numbers
rounded to the digits they are known to."""

from __future__ import annotations

import csv
import io
import re

import pytest

from annotations.models import Specimen
from inference.services.prediction.csv_digits import DECIMALS, SIGNIFICANT, csv_value
from tests.api.test_prediction_api import finished  # noqa: F401  (the fixture)
from tests.conftest import signed_in

pytestmark = pytest.mark.usefixtures("known_nuclei")


def intervals(**minutes):
    for name, value in minutes.items():
        Specimen.objects.filter(name=name.replace("_", "-")).update(frame_interval_min=value)


def test_series_give_minutes_beside_the_index_where_the_interval_is_known(
    api,
    annotator,
    finished,  # noqa: F811
):
    intervals(lps_1=5, lps_2=5, ctl_1=5)
    url = f"/api/predictions/{finished.pk}/series/"
    body = api(annotator).get(url, {"tags": "LPS,control"}).json()
    for entry in body["series"]:
        assert [(p["t"], p["time_min"]) for p in entry["points"]] == [(0, 0), (1, 5), (2, 10)]
    for points in body["comparison"]["groups"].values():
        assert [(p["t"], p["time_min"]) for p in points] == [(0, 0), (1, 5), (2, 10)]

    # Another interval in one group: a time point is no longer one time across the groups.
    intervals(lps_2=0.5)
    body = api(annotator).get(url, {"tags": "LPS,control"}).json()
    minutes = {e["specimen"]: [p["time_min"] for p in e["points"]] for e in body["series"]}
    assert minutes == {"ctl-1": [0, 5, 10], "lps-1": [0, 5, 10], "lps-2": [0, 0.5, 1]}
    assert all(p["time_min"] is None for g in body["comparison"]["groups"].values() for p in g)


def test_without_an_interval_the_time_is_the_index_only(api, annotator, finished):  # noqa: F811
    page = signed_in(annotator).get(f"/predictions/{finished.pk}/").content.decode()
    assert '<td class="cw-num" data-col="time">2</td>' in page and " min</td>" not in page
    body = api(annotator).get(f"/api/predictions/{finished.pk}/series/").json()
    assert {p["time_min"] for e in body["series"] for p in e["points"]} == {None}
    rows = api(annotator).get(f"/api/predictions/{finished.pk}/nuclei/").json()["results"]
    assert {r["time_min"] for r in rows} == {None}
    table = signed_in(annotator).get(f"/predictions/{finished.pk}/nuclei.csv").content.decode()
    assert {line["time_min"] for line in csv.DictReader(io.StringIO(table))} == {""}


def test_the_page_chart_gets_minutes(manager, finished):  # noqa: F811
    intervals(lps_1=2, lps_2=2, ctl_1=2)
    page = signed_in(manager).get(f"/predictions/{finished.pk}/?tag_a=LPS&tag_b=control")
    config = page.context["config"]
    assert [p["time_min"] for p in config["series"][0]["points"]] == [0, 2, 4]
    html = page.content.decode()
    assert '<td class="cw-num" data-col="time">2 · 4 min</td>' in html  # the volumes' table
    assert [p["time_min"] for p in config["comparison"]["volume_um3"]["groups"]["LPS"]] == [
        0,
        2,
        4,
    ]


def _significant(text: str) -> int:
    digits = re.sub(r"e.*$", "", text).replace("-", "").replace(".", "").lstrip("0")
    return len(digits.rstrip("0")) if "." not in text else len(digits)


def test_the_csv_rounds_each_column_to_its_digits_and_gives_minutes(
    api,
    annotator,
    finished,  # noqa: F811
):
    intervals(lps_1=7.5, lps_2=7.5, ctl_1=7.5)
    table = signed_in(annotator).get(f"/predictions/{finished.pk}/nuclei.csv").content.decode()
    lines = list(csv.DictReader(io.StringIO(table)))
    rows = api(annotator).get(f"/api/predictions/{finished.pk}/nuclei/").json()["results"]
    exact = {(r["specimen"], r["time_index"]): r for r in rows}
    for line in lines:
        assert float(line["time_min"]) == 7.5 * int(line["time_index"])
        row = exact[(line["specimen"], int(line["time_index"]))]
        for column, digits in SIGNIFICANT.items():
            if line[column] and column != "time_min":
                assert _significant(line[column]) <= digits, (column, line[column])
        for column, decimals in DECIMALS.items():
            assert len(line[column].partition(".")[2]) <= decimals, (column, line[column])
        assert float(line["volume_um3"]) == pytest.approx(row["volume_um3"], rel=1e-3)
        assert float(line["mean_ri"]) == pytest.approx(row["mean_ri"], abs=1e-4)
    assert not re.search(r"\d\.\d{8,}", table)  # no 17-digit float anywhere


def test_csv_values_keep_the_digits_they_are_known_to():
    assert csv_value("volume_um3", 105.20250000000001) == "105.2"
    assert csv_value("volume_um3", 12345.6) == "12350"
    assert csv_value("mean_ri", 1.361234567) == "1.3612"
    assert csv_value("dry_mass_pg", 0.0123456) == "0.0123"
    assert csv_value("centroid_y_um", 3.14159) == "3.14"
    assert csv_value("centroid_x_px", 10.04) == "10"
    assert csv_value("time_min", 2.5) == "2.5"
    assert csv_value("volume_um3", 0.0) == "0"
    assert csv_value("voxel_count", 1234) == 1234 and csv_value("volume_um3", "") == ""
