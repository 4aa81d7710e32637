""" "Predict new imports" of a time-lapse imported one frame at a time: each new frame after the
last predicted one is predicted alone and continues the series' tracks (a nucleus keeps its id,
new nuclei get new ids, a daughter her parent), giving the ids of one whole-series run; a frame
between predicted ones still widens the run to the whole series. A frame whose prediction failed
or was cancelled is a hole: predicted with the next new frame when it comes after the last
predicted one, by widening to the whole series when it lies between predicted ones. A first frame
whose run failed is predicted with the next new frame, the series tracked afresh from it, at
launch or in the next run's turn."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from annotations.models import Specimen
from inference.models import PredictionResult, PredictionSettings
from inference.selectors.prediction import nucleus_series, prediction_results
from inference.services.prediction import (
    predict_imported,
    prediction_cancel,
    prediction_run,
)
from tests.conftest import signed_in
from tests.helpers_prediction import ball_mask, dividing_frame, import_done, nucleus_volume
from tests.unit.test_prediction_service import run

SHAPE = (8, 64, 64)


def ids(results) -> list[list[tuple[int, int | None]]]:
    """Per time point, its nuclei's (id, parent), sorted."""
    return [
        sorted((n["id"], n.get("parent")) for n in r.nuclei)
        for r in sorted(results, key=lambda r: r.time_index)
    ]


def one_frame_at_a_time(project, manager, name: str, frames) -> list:
    specimen = Specimen.objects.create(project=project, name=name)
    PredictionSettings.objects.update_or_create(
        project=project, defaults={"predict_new_imports": True}
    )
    jobs = []
    for t, mask in enumerate(frames):
        nucleus_volume(specimen, mask, t)
        prediction = predict_imported(import_done(project, manager, specimen, t))
        jobs.append(prediction_run(prediction_id=prediction.pk, device="cpu"))
        assert jobs[-1].status == "succeeded", jobs[-1].error
    return jobs


def test_each_new_frame_is_predicted_alone_and_keeps_the_whole_series_track_ids(
    project, manager, active_model, known_nuclei
):
    jobs = one_frame_at_a_time(project, manager, "lapse", [dividing_frame(t) for t in range(4)])
    for t, job in enumerate(jobs):
        assert [v["time_index"] for v in job.config["volumes"]] == [t]  # only its frame
        assert job.config["whole_series"] is False
        assert job.sections == SHAPE[0]
        assert not any("Added" in line["line"] or "Widened" in line["line"] for line in job.log)
    specimen = Specimen.objects.get(name="lapse")
    assert jobs[1].config["continues"] == {str(specimen.pk): 0}
    assert jobs[3].config["continues"] == {str(specimen.pk): 2}
    current = PredictionResult.objects.filter(specimen=specimen, is_current=True)
    assert sorted(r.prediction_id for r in current) == [j.pk for j in jobs]
    frame_by_frame = ids(current)

    whole = Specimen.objects.create(project=project, name="whole")
    for t in range(4):
        nucleus_volume(whole, dividing_frame(t), t)
    one_run = run(project, manager, specimen_ids=[whole.pk])
    assert one_run.status == "succeeded", one_run.error
    assert frame_by_frame == ids(one_run.results.all())

    still = {n["id"] for n in current.get(time_index=0).nuclei if n["centroid"][1] < 20}
    assert len(still) == 1
    [still_id] = still
    assert all(any(n["id"] == still_id for n in r.nuclei) for r in current)  # never moved
    assert frame_by_frame[2][-1] == (3, None)  # appeared at t2: above the ids before
    assert (4, 2) in frame_by_frame[3]  # a daughter of nucleus 2, which keeps its id too
    assert (2, None) in frame_by_frame[3]

    # The last job's series, CSV and page show the whole series under one set of ids.
    series = {e["nucleus"]: [p["t"] for p in e["points"]] for e in nucleus_series(
        prediction_results(jobs[3])
    )}  # fmt: skip
    assert series[still_id] == [0, 1, 2, 3] and series[4] == [3]
    assert [r.time_index for r in prediction_results(jobs[1])] == [0, 1]
    client = signed_in(manager)
    table = client.get(f"/predictions/{jobs[3].pk}/nuclei.csv").content.decode()
    rows = [(r["time_index"], r["nucleus"]) for r in csv.DictReader(io.StringIO(table))]
    assert ("0", str(still_id)) in rows and ("3", "4") in rows
    page = client.get(f"/predictions/{jobs[3].pk}/")
    assert page.status_code == 200 and len(page.context["config"]["series"]) == 4
    api = client.get(f"/api/predictions/{jobs[3].pk}/series/").json()["series"]
    assert {e["nucleus"]: len(e["points"]) for e in api}[still_id] == 4


def test_a_nucleus_missed_in_one_new_frame_keeps_its_id_when_it_comes_back(
    project, manager, active_model, known_nuclei
):
    nucleus = ball_mask(SHAPE, (4, 30, 30), 2.0)
    frames = [nucleus, nucleus, np.zeros(SHAPE, dtype=bool), nucleus]
    jobs = one_frame_at_a_time(project, manager, "flicker", frames)
    current = PredictionResult.objects.filter(prediction__in=jobs, is_current=True)
    assert [[n["id"] for n in r.nuclei] for r in current.order_by("time_index")] == [
        [1],
        [1],
        [],
        [1],
    ]


def test_a_continuation_is_segmented_and_bridged_as_the_series_was(
    project, manager, active_model, known_nuclei
):
    specimen = Specimen.objects.create(project=project, name="gapless")
    for t in range(2):
        nucleus_volume(specimen, dividing_frame(t), t)
    first = run(project, manager, track_gap=0, min_voxels=50)
    PredictionSettings.objects.create(project=project, predict_new_imports=True)
    nucleus_volume(specimen, dividing_frame(2), 2)
    later = predict_imported(import_done(project, manager, specimen, 2))
    assert (later.track_gap, later.min_voxels) == (first.track_gap, first.min_voxels) == (0, 50)


def test_a_frame_between_predicted_ones_widens_the_run_to_the_whole_series(
    project, manager, active_model, known_nuclei
):
    specimen = Specimen.objects.create(project=project, name="late")
    for t in (0, 2):
        nucleus_volume(specimen, dividing_frame(t), t)
    run(project, manager)
    PredictionSettings.objects.create(project=project, predict_new_imports=True)
    nucleus_volume(specimen, dividing_frame(1), 1)
    prediction = predict_imported(import_done(project, manager, specimen, 1))
    assert prediction.config["whole_series"] is True and prediction.config["continues"] == {}
    assert [v["time_index"] for v in prediction.config["volumes"]] == [0, 1, 2]


def whole_series_ids(project, manager, frames) -> list:
    whole = Specimen.objects.create(project=project, name="whole")
    for t, mask in enumerate(frames):
        nucleus_volume(whole, mask, t)
    one_run = run(project, manager, specimen_ids=[whole.pk])
    assert one_run.status == "succeeded", one_run.error
    return ids(one_run.results.all())


def broken(*args, **kwargs):
    raise RuntimeError("the GPU fell off the bus")


def lose(prediction, ending: str, manager, monkeypatch):
    """End ``prediction`` without a result: its run fails, or it is cancelled before it runs."""
    if ending == "failed":
        with monkeypatch.context() as patch:
            patch.setattr("inference.services.prediction.runner.predict_sections", broken)
            prediction = prediction_run(prediction_id=prediction.pk, device="cpu")
    else:
        prediction = prediction_cancel(prediction=prediction, user=manager)
    assert prediction.status == ending
    return prediction


@pytest.mark.parametrize("ending", ["failed", "cancelled"])
def test_a_frame_left_without_a_result_is_predicted_with_the_next_new_frame(
    project, manager, active_model, known_nuclei, monkeypatch, ending
):
    frames = [dividing_frame(t) for t in range(4)]
    one_frame_at_a_time(project, manager, "lapse", frames[:2])
    specimen = Specimen.objects.get(name="lapse")
    nucleus_volume(specimen, frames[2], 2)
    lose(predict_imported(import_done(project, manager, specimen, 2)), ending, manager, monkeypatch)
    assert not PredictionResult.objects.filter(specimen=specimen, time_index=2).exists()

    nucleus_volume(specimen, frames[3], 3)
    later = predict_imported(import_done(project, manager, specimen, 3))
    assert [v["time_index"] for v in later.config["volumes"]] == [2, 3]
    assert later.config["continues"] == {str(specimen.pk): 1}
    assert later.config["whole_series"] is False and later.sections == 2 * SHAPE[0]
    [note] = [line["line"] for line in later.log]
    assert note.startswith("Added time points 2 of lapse, left without a current result")
    later = prediction_run(prediction_id=later.pk, device="cpu")
    assert later.status == "succeeded", later.error
    assert [r.time_index for r in later.results.all()] == [2, 3]
    current = PredictionResult.objects.filter(specimen=specimen, is_current=True)
    assert ids(current) == whole_series_ids(project, manager, frames)


def test_a_frame_without_a_result_between_predicted_ones_widens_the_next_to_the_series(
    project, manager, active_model, known_nuclei
):
    frames = [dividing_frame(t) for t in range(5)]
    specimen = Specimen.objects.create(project=project, name="holed")
    for t in (0, 1, 3):
        nucleus_volume(specimen, frames[t], t)
    run(project, manager)
    nucleus_volume(specimen, frames[2], 2)  # imported while new imports were not predicted
    PredictionSettings.objects.create(project=project, predict_new_imports=True)
    nucleus_volume(specimen, frames[4], 4)
    later = predict_imported(import_done(project, manager, specimen, 4))
    assert later.config["whole_series"] is True and later.config["continues"] == {}
    assert [v["time_index"] for v in later.config["volumes"]] == [0, 1, 2, 3, 4]
    [note] = [line["line"] for line in later.log]
    assert note.startswith("Widened to every time point of holed: time points 2, left without")
    later = prediction_run(prediction_id=later.pk, device="cpu")
    assert later.status == "succeeded", later.error
    current = PredictionResult.objects.filter(specimen=specimen, is_current=True)
    assert {r.prediction_id for r in current} == {later.pk}
    assert ids(current) == whole_series_ids(project, manager, frames)


def first_frame_lost(project, manager, monkeypatch, ending: str) -> Specimen:
    """A new specimen whose first frame's prediction ended without a result."""
    specimen = Specimen.objects.create(project=project, name="lapse")
    PredictionSettings.objects.create(project=project, predict_new_imports=True)
    nucleus_volume(specimen, dividing_frame(0), 0)
    lose(predict_imported(import_done(project, manager, specimen, 0)), ending, manager, monkeypatch)
    assert not PredictionResult.objects.filter(specimen=specimen).exists()
    return specimen


def starts_at_the_first_frame(project, manager, specimen, later) -> None:
    """``later`` predicted frames 0 and 1 together, tracked as a fresh series (no seed)."""
    assert [v["time_index"] for v in later.config["volumes"]] == [0, 1]
    assert later.config["continues"] == {} and later.sections == 2 * SHAPE[0]
    [note] = [line["line"] for line in later.log if line["line"].startswith("Added")]
    assert note.startswith("Added time points 0 of lapse, left without a current result")
    assert [r.time_index for r in later.results.all()] == [0, 1]
    current = PredictionResult.objects.filter(specimen=specimen, is_current=True)
    frames = [dividing_frame(t) for t in range(2)]
    assert ids(current) == whole_series_ids(project, manager, frames)


@pytest.mark.parametrize("ending", ["failed", "cancelled"])
def test_a_first_frame_left_without_a_result_is_predicted_with_the_next_new_frame(
    project, manager, active_model, known_nuclei, monkeypatch, ending
):
    specimen = first_frame_lost(project, manager, monkeypatch, ending)
    nucleus_volume(specimen, dividing_frame(1), 1)
    later = predict_imported(import_done(project, manager, specimen, 1))
    assert [v["time_index"] for v in later.config["volumes"]] == [0, 1]
    assert later.config["whole_series"] is False
    later = prediction_run(prediction_id=later.pk, device="cpu")
    assert later.status == "succeeded", later.error
    starts_at_the_first_frame(project, manager, specimen, later)


def test_a_first_frame_that_fails_while_the_next_waits_is_predicted_in_its_turn(
    project, manager, active_model, known_nuclei, monkeypatch
):
    specimen = Specimen.objects.create(project=project, name="lapse")
    PredictionSettings.objects.create(project=project, predict_new_imports=True)
    nucleus_volume(specimen, dividing_frame(0), 0)
    first = predict_imported(import_done(project, manager, specimen, 0))
    nucleus_volume(specimen, dividing_frame(1), 1)
    later = predict_imported(import_done(project, manager, specimen, 1))
    # Frame 0 was still planned by the first run: no hole then.
    assert [v["time_index"] for v in later.config["volumes"]] == [1]
    lose(first, "failed", manager, monkeypatch)
    later = prediction_run(prediction_id=later.pk, device="cpu")
    assert later.status == "succeeded", later.error
    starts_at_the_first_frame(project, manager, specimen, later)
