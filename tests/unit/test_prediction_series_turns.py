"""Two imports of one time-lapse landing close together launch two runs of "predict new imports"
that both continue the series from the same held time points. Run by two workers at once, the
second waits for the first to end, then seeds from its results: every nucleus keeps one id and
the tracks link across both runs, as one whole-series run tracks them. A run that takes its
turn after a later-launched one ended widens to the whole series; a dead worker's run or a
cancel never leaves the waiting run stuck, and the time point the dead run left without a result
is predicted with the waiting run's."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from annotations.models import Specimen
from cellweb.jobs.sweeper import jobs_sweep
from inference.models import Prediction, PredictionResult, PredictionSettings
from inference.services.prediction import predict_imported, prediction_cancel, prediction_run
from tests.helpers_prediction import ball_mask, import_done, nucleus_volume, threshold_sections
from tests.helpers_threads import closing_connection
from tests.polling import wait_until
from tests.unit.test_prediction_service import run

SHAPE = (8, 64, 64)


def frame(t: int) -> np.ndarray:
    """A nucleus that stays; one that enters at t2 and divides at t3; one that enters at t3."""
    mask = ball_mask(SHAPE, (4, 14, 14), 2.0)
    if t == 2:
        mask |= ball_mask(SHAPE, (4, 44, 45), 2.0)
    if t == 3:
        mask |= ball_mask(SHAPE, (4, 37, 38), 1.4) | ball_mask(SHAPE, (4, 51, 52), 1.4)
        mask |= ball_mask(SHAPE, (4, 14, 48), 1.6)
    return mask


def ids(results) -> list[list[tuple[int, int | None]]]:
    """Per time point, its nuclei's (id, parent), sorted."""
    return [
        sorted((n["id"], n.get("parent")) for n in r.nuclei)
        for r in sorted(results, key=lambda r: r.time_index)
    ]


def whole_series_ids(project, manager) -> list:
    whole = Specimen.objects.create(project=project, name="whole")
    for t in range(4):
        nucleus_volume(whole, frame(t), t)
    one_run = run(project, manager, specimen_ids=[whole.pk])
    assert one_run.status == "succeeded", one_run.error
    return ids(one_run.results.all())


def two_imports(project, manager) -> tuple[Specimen, Prediction, Prediction]:
    """A series predicted at t0 and t1, then t2 and t3 imported before either is predicted."""
    specimen = Specimen.objects.create(project=project, name="lapse")
    for t in range(2):
        nucleus_volume(specimen, frame(t), t)
    assert run(project, manager, specimen_ids=[specimen.pk]).status == "succeeded"
    PredictionSettings.objects.create(project=project, predict_new_imports=True)
    launched = []
    for t in (2, 3):
        nucleus_volume(specimen, frame(t), t)
        launched.append(predict_imported(import_done(project, manager, specimen, t)))
    first, second = launched
    # Both continue from t1: the second was launched before the first ended.
    assert first.config["continues"] == second.config["continues"] == {str(specimen.pk): 1}
    return specimen, first, second


@pytest.fixture
def fast_turns(monkeypatch):
    monkeypatch.setattr("inference.services.prediction.turn.WAIT_S", 0.05)


def series_ids(specimen) -> list:
    return ids(PredictionResult.objects.filter(specimen=specimen, is_current=True))


def in_thread(pool, prediction):
    return pool.submit(
        closing_connection(lambda: prediction_run(prediction_id=prediction.pk, device="cpu"))
    )


def message(prediction) -> str:
    return Prediction.objects.get(pk=prediction.pk).message


@pytest.mark.django_db(transaction=True)
def test_two_continuations_run_at_once_wait_their_turn_and_keep_one_set_of_ids(
    project, manager, active_model, known_nuclei, fast_turns, monkeypatch
):
    specimen, first, second = two_imports(project, manager)
    entered, release = threading.Event(), threading.Event()

    def held_up(*args, **kwargs):  # the first run stops in its segmentation until released
        if not entered.is_set():
            entered.set()
            assert release.wait(30)
        return threshold_sections(*args, **kwargs)

    monkeypatch.setattr("inference.services.prediction.runner.predict_sections", held_up)
    with ThreadPoolExecutor(max_workers=2) as pool:
        one = in_thread(pool, first)
        try:
            assert entered.wait(30)
            two = in_thread(pool, second)
            wanted = f"waiting for prediction {first.pk} of the same series to end"
            wait_until(lambda: message(second) == wanted, what="the second run waiting")
            assert not PredictionResult.objects.filter(prediction=second).exists()
        finally:
            release.set()
        first, second = one.result(60), two.result(60)
    assert first.status == second.status == "succeeded", (first.error, second.error)
    assert second.config["continues"] == {str(specimen.pk): 2}  # seeded from the first's t2
    assert second.config["whole_series"] is False
    assert [v["time_index"] for v in second.config["volumes"]] == [3]

    lapse = series_ids(specimen)
    assert lapse == whole_series_ids(project, manager)
    assert lapse[2] == [(1, None), (2, None)]
    # t3: the nucleus of t2 keeps id 2, the newcomer is 3, her daughter 4 (parent 2).
    assert lapse[3] == [(1, None), (2, None), (3, None), (4, 2)]
    for time_point in lapse:
        assert len({i for i, _ in time_point}) == len(time_point)


@pytest.mark.django_db(transaction=True)
def test_a_continuation_whose_turn_comes_after_a_later_one_ended_widens_to_the_series(
    project, manager, active_model, known_nuclei
):
    specimen, first, second = two_imports(project, manager)
    second = prediction_run(prediction_id=second.pk, device="cpu")  # a second worker took it first
    first = prediction_run(prediction_id=first.pk, device="cpu")
    assert first.status == second.status == "succeeded", (first.error, second.error)
    assert first.config["whole_series"] is True and first.config["continues"] == {}
    assert [v["time_index"] for v in first.config["volumes"]] == [0, 1, 2, 3]
    assert first.sections == 4 * SHAPE[0]
    assert any("Widened to every time point of lapse" in line["line"] for line in first.log)
    current = PredictionResult.objects.filter(specimen=specimen, is_current=True)
    assert {r.prediction_id for r in current} == {first.pk}
    assert series_ids(specimen) == whole_series_ids(project, manager)


def holding(prediction, heartbeat_at) -> None:
    """``prediction`` as a worker left it while tracking its series."""
    Prediction.objects.filter(pk=prediction.pk).update(
        status="running",
        started_at=heartbeat_at,
        heartbeat_at=heartbeat_at,
        attempts=1,
        config={**prediction.config, "series_turn": True},
    )


@pytest.mark.django_db(transaction=True)
def test_the_run_of_a_dead_worker_leaves_the_turn_once_the_sweeper_ends_it(
    project, manager, active_model, known_nuclei, fast_turns
):
    specimen, first, second = two_imports(project, manager)
    holding(first, timezone.now() - timedelta(hours=1))  # its worker died long ago
    with ThreadPoolExecutor(max_workers=1) as pool:
        two = in_thread(pool, second)
        wanted = f"waiting for prediction {first.pk} of the same series to end"
        wait_until(lambda: message(second) == wanted, what="the second run waiting")
        assert jobs_sweep() == 1
        second = two.result(60)
    assert Prediction.objects.get(pk=first.pk).status == "failed"
    assert second.status == "succeeded", second.error
    # t2, left without a result by the dead run, is predicted with t3, continuing from t1.
    assert [r.time_index for r in second.results.all()] == [2, 3]
    assert second.config["continues"] == {str(specimen.pk): 1}
    assert second.config["whole_series"] is False and second.sections == 2 * SHAPE[0]
    assert any("Added time points 2 of lapse" in line["line"] for line in second.log)
    assert series_ids(specimen) == whole_series_ids(project, manager)


@pytest.mark.django_db(transaction=True)
def test_a_run_waiting_for_its_turn_can_be_cancelled(
    project, manager, active_model, known_nuclei, fast_turns
):
    specimen, first, second = two_imports(project, manager)
    holding(first, timezone.now() + timedelta(hours=1))  # alive, busy
    with ThreadPoolExecutor(max_workers=1) as pool:
        two = in_thread(pool, second)
        wait_until(lambda: "waiting for prediction" in message(second), what="the wait")
        prediction_cancel(prediction=second, user=manager)
        second = two.result(60)
    assert second.status == "cancelled"
    assert not PredictionResult.objects.filter(prediction=second).exists()
