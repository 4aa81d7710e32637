"""A frame with no signal (a dropped or blank frame: all zeros, or one value) is not segmented,
even by a model that answers it with one whole-field "nucleus": the time point is marked "no
signal" in the summary, the page, the CSV and the series (a gap, not zero nuclei), and the
tracker bridges it like a missed time point. A blank section of a stack gets no nuclei."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pytest
import tifffile
from django.core.management import call_command

from annotations.models import Specimen
from annotations.services.volumes import volume_create
from inference.ml.no_signal import blank_sections
from inference.models import PredictionResult
from tests.conftest import signed_in
from tests.helpers_prediction import MEDIUM, VOXEL, ball_mask, threshold_sections
from tests.unit.test_prediction_service import run

SHAPE = (8, 48, 48)
NOISE = np.random.default_rng(0).standard_normal((5, *SHAPE))


def _volume(specimen, ri, t) -> None:
    volume_create(
        specimen=specimen, data=ri.astype(np.float32), modality="ri", time_index=t, voxel_size=VOXEL
    )


def whole_field_for_blank(model, sections, **kwargs):
    """A network that answers a constant section with one whole-field "nucleus"."""
    prob = threshold_sections(model, sections, **kwargs)
    flat = np.ptp(np.asarray(sections).reshape(len(sections), -1), axis=1) == 0
    prob[flat] = 1.0
    return prob


@pytest.fixture
def blank_frames(project, active_model, monkeypatch):
    monkeypatch.setattr(
        "inference.services.prediction.runner.predict_sections", whole_field_for_blank
    )
    specimen = Specimen.objects.create(project=project, name="flicker")
    for t in range(5):
        ri = MEDIUM + 0.03 * ball_mask(SHAPE, (4, 24, 20 + t), 2.0) + 0.001 * NOISE[t]
        # t1 dropped (all zeros), t3 one value (a blank frame of the medium's RI).
        ri = {1: np.zeros(SHAPE), 3: np.full(SHAPE, MEDIUM)}.get(t, ri)
        _volume(specimen, ri, t)
    return specimen


def test_the_no_signal_rule():
    volume = np.random.default_rng(0).normal(size=(4, 8, 8)).astype(np.float32)
    volume[1] = 0.0
    volume[2] = 1.337
    volume[3] = np.nan
    assert blank_sections(volume) == [1, 2, 3]
    volume[2, 0, 0] += 0.01  # a single pixel of signal is signal
    assert blank_sections(volume) == [1, 3]


def test_a_blank_frame_is_a_gap_bridged_by_the_tracker_not_zero_nuclei(
    project, manager, api, blank_frames
):
    prediction = run(project, manager)
    assert prediction.status == "succeeded", prediction.error
    results = list(PredictionResult.objects.filter(prediction=prediction).order_by("time_index"))
    assert [r.no_signal for r in results] == [False, True, False, True, False]
    assert [[n["id"] for n in r.nuclei] for r in results] == [[1], [], [1], [], [1]]
    for result in results:
        with result.labels.open("rb") as fh:
            labels = tifffile.imread(fh)
        assert labels.any() != result.no_signal  # no whole-field nucleus in a blank frame
    rows = {r["time_index"]: r for r in prediction.summary}
    assert rows[1]["no_signal"] and rows[1]["n_nuclei"] is None
    assert rows[1]["total_volume_um3"] is None and rows[2]["n_nuclei"] == 1

    page = signed_in(manager).get(f"/predictions/{prediction.pk}/").content.decode()
    row = re.search(rf'<tr data-volume="{results[1].volume_id}"[^>]*>(.*?)</tr>', page, re.S)[1]
    assert re.search(r'data-col="nuclei">([^<]*)<', row)[1] == "no signal"
    assert "flicker t1, flicker t3" in page

    table = list(
        csv.DictReader(
            io.StringIO(
                signed_in(manager).get(f"/predictions/{prediction.pk}/nuclei.csv").content.decode()
            )
        )
    )
    assert [(line["time_index"], line["nucleus"], line["no_signal"]) for line in table] == [
        ("0", "1", "0"),
        ("1", "", "1"),
        ("2", "1", "0"),
        ("3", "", "1"),
        ("4", "1", "0"),
    ]
    series = api(manager).get(f"/api/predictions/{prediction.pk}/series/").json()
    assert [p["t"] for p in series["series"][0]["points"]] == [0, 2, 4]
    assert [g["t"] for g in series["no_signal"]] == [1, 3]

    unbridged = run(project, manager, track_gap=0)  # a gap like a missed time point
    ids = [[n["id"] for n in r.nuclei] for r in unbridged.results.order_by("time_index")]
    assert ids == [[1], [], [2], [], [3]]


def test_a_blank_section_of_a_stack_gets_no_nuclei(project, manager, active_model, monkeypatch):
    monkeypatch.setattr(
        "inference.services.prediction.runner.predict_sections", whole_field_for_blank
    )
    specimen = Specimen.objects.create(project=project, name="stack")
    ball = ball_mask(SHAPE, (4, 24, 24), 1.0)
    ri = MEDIUM + 0.03 * ball + 0.001 * NOISE[0]
    ri[0] = 0.0  # the first section dropped
    _volume(specimen, ri, 0)
    prediction = run(project, manager)
    [result] = PredictionResult.objects.filter(prediction=prediction)
    assert not result.no_signal and result.blank_sections == [0]
    [nucleus] = result.nuclei
    assert nucleus["voxel_count"] == int(ball.sum())


def test_manage_py_predict_prints_no_signal(project, manager, blank_frames, capsys):
    call_command("predict", "--project", "lab", "--wait", "--device", "cpu")
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    flicker = [line for line in lines if line and line[0] == "flicker"]
    assert [line[2:4] for line in flicker][:2] == [["1", "0"], ["no", "signal"]]
