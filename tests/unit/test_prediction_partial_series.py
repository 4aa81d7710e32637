"""Re-predicting some time points of a time-lapse the same model has predicted would mix the
track ids of two runs in the viewer and the series: refused with a 409 that says to predict the
whole series; a new import's time point between predicted ones widens its run to the whole
series instead (one after them continues the series: test_prediction_continuation.py)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from cellweb.errors import ConflictError
from inference.models import Prediction, PredictionResult, PredictionSettings
from inference.services.prediction import predict_imported, prediction_run
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_prediction import ball_mask, import_done, nucleus_volume, time_lapse
from tests.unit.test_prediction_service import run


def test_some_time_points_of_a_predicted_series_are_refused(
    project, manager, api, active_model, known_nuclei
):
    time_lapse(project, "cell", times=3)
    first = run(project, manager, time_points=[0])  # nothing predicted yet: allowed
    assert first.status == "succeeded"
    with pytest.raises(ConflictError, match="whole series") as refused:
        run(project, manager, time_points=[1])
    assert refused.value.code == "partial_series" and "“cell”" in refused.value.message
    response = api(manager).post(
        f"/api/projects/{project.slug}/predictions/", {"time_points": [2]}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "partial_series"
    with pytest.raises(CommandError, match="whole series"):
        call_command("predict", "--project", "lab", "--time", "1", "--wait", "--device", "cpu")
    assert Prediction.objects.count() == 1  # nothing written

    whole = run(project, manager)  # the whole series again: one run's track ids
    assert whole.status == "succeeded"
    again = run(project, manager, time_points=[0, 1, 2])  # every time point it holds: allowed
    assert again.status == "succeeded"
    other = tiny_model_version(project, input_size=32)  # another model's tracks are its own
    assert run(project, manager, model_version_id=other.pk, time_points=[1]).status == "succeeded"


def test_a_new_time_point_between_predicted_ones_is_predicted_with_the_whole_series(
    project, manager, active_model, known_nuclei
):
    specimen, _ = time_lapse(project, "live", times=2)
    nucleus_volume(specimen, ball_mask((8, 48, 48), (4, 27, 27), 2.0), 3)
    run(project, manager)
    nucleus_volume(specimen, ball_mask((8, 48, 48), (4, 26, 26), 2.0), 2)
    PredictionSettings.objects.create(project=project, predict_new_imports=True)
    job = import_done(project, manager, specimen, 2)
    prediction = predict_imported(job)
    assert prediction.config["whole_series"] is True
    assert [v["time_index"] for v in prediction.config["volumes"]] == [0, 1, 2, 3]
    prediction_run(prediction_id=prediction.pk, device="cpu")
    current = PredictionResult.objects.filter(is_current=True, specimen=specimen)
    assert {r.prediction_id for r in current} == {prediction.pk} and current.count() == 4
    assert [[n["id"] for n in r.nuclei] for r in current.order_by("time_index")] == [[1]] * 4
