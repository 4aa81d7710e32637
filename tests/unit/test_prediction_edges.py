"""Nuclei the field's edge cuts: every one is kept and flagged ``touches_edge`` (x/y border of
the field; a stack's first and last sections do not count), checked against scikit-image's
``clear_border``; the means of the summary, the page, the command's table and the two-group
comparison leave them out unless asked to include them, and each says which it did."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pytest
import tifffile
from django.core.management import call_command
from skimage.segmentation import clear_border

from annotations.models import Specimen, Tag
from inference.models import PredictionResult
from tests.conftest import signed_in
from tests.helpers_prediction import ball_mask, nucleus_volume
from tests.unit.test_prediction_service import run

SHAPE = (8, 48, 48)


def _cells(specimen_name: str, tag: str, times: int = 2) -> Specimen:
    """Two nuclei per time point: one whole in the field, one the left edge cuts, which
    leaves the field a little more each time point (so it measures smaller and smaller)."""
    specimen = Specimen.objects.create(project=_cells.project, name=specimen_name)
    specimen.tags.add(Tag.objects.get_or_create(project=_cells.project, name=tag)[0])
    for t in range(times):
        whole = ball_mask(SHAPE, (4, 24, 30), 2.0)
        leaving = ball_mask(SHAPE, (4, 24, 4 - 2 * t), 2.0)
        nucleus_volume(specimen, whole | leaving, t)
    return specimen


def _labels(result: PredictionResult) -> np.ndarray:
    with result.labels.open("rb") as fh:
        return tifffile.imread(io.BytesIO(fh.read()))


@pytest.fixture
def edge_run(project, manager, active_model, known_nuclei):
    _cells.project = project
    _cells("ctrl-1", "control")
    _cells("lps-1", "LPS")
    return run(project, manager)


def test_every_nucleus_is_kept_and_flagged_as_clear_border_says(edge_run):
    assert edge_run.status == "succeeded", edge_run.error
    for result in PredictionResult.objects.filter(prediction=edge_run):
        labels = _labels(result)
        # Independently: clear_border on the stack padded with empty sections, so only the
        # x/y border of the field removes a nucleus (the stack's ends are not its edge).
        padded = np.pad(labels, ((1, 1), (0, 0), (0, 0)))
        kept = set(np.unique(clear_border(padded))) - {0}
        every = set(np.unique(labels)) - {0}
        flagged = {n["id"] for n in result.nuclei if n["touches_edge"]}
        assert {n["id"] for n in result.nuclei} == every and len(every) == 2  # none dropped
        assert flagged == every - kept and len(flagged) == 1
        # Both nuclei reach the stack's first and last sections: flagged apart, not the edge.
        reach = set(np.unique(labels[[0, -1]])) - {0}
        assert {n["id"] for n in result.nuclei if n["touches_z_end"]} == reach == every


def test_means_leave_edge_nuclei_out_unless_asked_and_say_so(edge_run, manager, api):
    results = PredictionResult.objects.filter(prediction=edge_run, specimen__name="ctrl-1")
    for row, result in zip(
        sorted(edge_run.summary, key=lambda r: (r["specimen"], r["time_index"])),
        results.order_by("time_index"),
    ):
        inside = [n["volume_um3"] for n in result.nuclei if not n["touches_edge"]]
        assert row["edge_nuclei_included"] is False and row["n_edge_nuclei"] == 1
        assert row["mean_volume_um3"] == pytest.approx(np.mean(inside))
        every = sum(n["volume_um3"] for n in result.nuclei)
        assert row["total_volume_um3"] == pytest.approx(every)  # the total keeps them all

    page = signed_in(manager).get(f"/predictions/{edge_run.pk}/").content.decode()
    assert "Mean nucleus volume (µm³, edge nuclei out)" in page
    result = results.get(time_index=1)
    inside = next(n["volume_um3"] for n in result.nuclei if not n["touches_edge"])
    row = re.search(rf'<tr data-volume="{result.volume_id}"[^>]*>(.*?)</tr>', page, re.S)[1]
    assert re.search(r'data-col="mean-volume">([^<]*)<', row)[1] == f"{inside:.1f}"
    assert re.search(r'data-col="edge-nuclei">([^<]*)<', row)[1] == "1"
    with_edge = signed_in(manager).get(f"/predictions/{edge_run.pk}/?edge=in").content.decode()
    assert "Mean nucleus volume (µm³, edge nuclei in)" in with_edge
    row = re.search(rf'<tr data-volume="{result.volume_id}"[^>]*>(.*?)</tr>', with_edge, re.S)[1]
    every = np.mean([n["volume_um3"] for n in result.nuclei])
    assert re.search(r'data-col="mean-volume">([^<]*)<', row)[1] == f"{every:.1f}"

    url = f"/api/predictions/{edge_run.pk}/series/?tags=control,LPS"
    out = api(manager).get(url).json()["comparison"]
    assert out["edge_nuclei_included"] is False
    assert [g["n"] for g in out["groups"]["control"]] == [1, 1]
    assert out["groups"]["control"][1]["mean"] == pytest.approx(inside)
    both = api(manager).get(url + "&include_edge=true").json()["comparison"]
    assert both["edge_nuclei_included"] is True
    assert [g["n"] for g in both["groups"]["control"]] == [2, 2]
    assert both["groups"]["control"][1]["mean"] == pytest.approx(every)


def test_csv_keeps_every_nucleus_with_its_flag(edge_run, manager):
    response = signed_in(manager).get(f"/predictions/{edge_run.pk}/nuclei.csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(table) == 8  # two specimens × two time points × two nuclei
    flags = {
        (r.specimen.name, r.time_index, n["id"]): n["touches_edge"]
        for r in PredictionResult.objects.filter(prediction=edge_run)
        for n in r.nuclei
    }
    for line in table:
        key = (line["specimen"], int(line["time_index"]), int(line["nucleus"]))
        assert line["touches_edge"] == str(int(flags[key])) and line["no_signal"] == "0"
    assert sorted(line["touches_edge"] for line in table) == ["0"] * 4 + ["1"] * 4


def test_manage_py_predict_table_says_whether_edge_nuclei_are_in_its_means(
    project, manager, active_model, known_nuclei, capsys
):
    _cells.project = project
    _cells("ctrl-1", "control", times=1)
    call_command("predict", "--project", "lab", "--wait", "--device", "cpu")
    out = capsys.readouterr().out
    assert "means: edge nuclei out" in out and "at edge" in out
    [line] = [line.split() for line in out.splitlines() if line.startswith("ctrl-1")]
    result = PredictionResult.objects.get()
    inside = next(n["volume_um3"] for n in result.nuclei if not n["touches_edge"])
    assert line[2:4] == ["2", "1"] and line[6] == f"{inside:.1f}"
    call_command(
        "predict", "--project", "lab", "--wait", "--device", "cpu", "--include-edge-nuclei"
    )
    out = capsys.readouterr().out
    assert "means: edge nuclei in" in out
    [line] = [line.split() for line in out.splitlines() if line.startswith("ctrl-1")]
    current = PredictionResult.objects.get(is_current=True)
    every = np.mean([n["volume_um3"] for n in current.nuclei])
    assert line[6] == f"{every:.1f}"


def test_a_result_stored_before_the_flag_says_unknown_not_away_from_the_edge(
    edge_run, manager, api
):
    old = PredictionResult.objects.get(prediction=edge_run, specimen__name="ctrl-1", time_index=0)
    old.nuclei = [{k: v for k, v in n.items() if k != "touches_edge"} for n in old.nuclei]
    old.save(update_fields=["nuclei"])
    ids = {n["id"] for n in old.nuclei}

    series = api(manager).get(f"/api/predictions/{edge_run.pk}/series/").json()["series"]
    points = {
        (e["specimen"], e["nucleus"], p["t"]): p["touches_edge"]
        for e in series
        for p in e["points"]
    }
    assert {points["ctrl-1", i, 0] for i in ids} == {None}
    assert sorted(points["ctrl-1", i, 1] for i in ids) == [False, True]  # known ones stay
    rows = api(manager).get(f"/api/predictions/{edge_run.pk}/nuclei/").json()["results"]
    flags = {(r["specimen"], r["time_index"], r["id"]): r["touches_edge"] for r in rows}
    assert {flags["ctrl-1", 0, i] for i in ids} == {None}
    assert sorted(flags["ctrl-1", 1, i] for i in ids) == [False, True]

    response = signed_in(manager).get(f"/predictions/{edge_run.pk}/nuclei.csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    column = {
        t: sorted(
            r["touches_edge"] for r in table if (r["specimen"], r["time_index"]) == ("ctrl-1", t)
        )
        for t in ("0", "1")
    }
    assert column == {"0": ["", ""], "1": ["0", "1"]}  # blank: unknown

    page = signed_in(manager).get(f"/predictions/{edge_run.pk}/").content.decode()
    cells = re.findall(
        r'<tr data-nucleus="\d+" data-t="(\d)">\s*<td>ctrl-1</td>.*?data-col="edge">([^<]*)<',
        page,
        re.S,
    )
    assert sorted(cells) == [("0", "unknown"), ("0", "unknown"), ("1", ""), ("1", "yes")]
    row = re.search(rf'<tr data-volume="{old.volume_id}"[^>]*>(.*?)</tr>', page, re.S)[1]
    assert re.search(r'data-col="edge-nuclei">([^<]*)<', row)[1] == "unknown"
