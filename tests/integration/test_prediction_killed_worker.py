"""A worker killed (SIGKILL) in the middle of a prediction, with real workers: the job never
stays "running" — the sweeper of the worker started next ends it with a clear error and removes
the results it had written, or the broker's redelivery runs it again cleanly — and the model's
current results of an earlier prediction are left as they were."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from cellweb.celery import app as celery_app
from inference.models import Prediction, PredictionResult
from inference.services.model_versions import model_version_activate
from inference.services.prediction import prediction_launch
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_jobs import wait_until
from tests.helpers_prediction import time_lapse
from tests.helpers_training import SINGLE_THREAD_ENV

pytestmark = pytest.mark.integration

RECOVERY_ENV = {
    **SINGLE_THREAD_ENV,
    "CELLWEB_VISIBILITY_TIMEOUT": "10",
    "CELLWEB_HEARTBEAT_TIMEOUT": "5",
}
TIMES = 40


def test_a_prediction_whose_worker_is_killed_ends_failed_with_its_partial_results_removed(
    worker_factory, project, manager
):
    celery_app.control.purge()
    time_lapse(project, "live-cell", times=TIMES, shape=(4, 32, 32))
    version = tiny_model_version(project, input_size=32)
    model_version_activate(version=version, user=manager)
    prediction = prediction_launch(project=project, user=manager, min_voxels=1)
    doomed = worker_factory(name="doomed-predictor", extra_env=RECOVERY_ENV)

    def partial():
        rows = PredictionResult.objects.filter(prediction=prediction)
        return list(rows.values_list("labels", flat=True)) if rows.count() >= 2 else None

    written = wait_until(partial, timeout=60, what=f"results ({doomed.log_text()[-2000:]})")
    doomed.kill()  # the whole process group: no cleanup, no acknowledgement
    doomed.proc.wait(10)
    assert Prediction.objects.get(pk=prediction.pk).status == "running", "finished too soon"
    rescue = worker_factory(name="rescue-predictor", extra_env=RECOVERY_ENV)

    ended = wait_until(
        lambda: Prediction.objects.filter(
            pk=prediction.pk, status__in=["succeeded", "failed", "cancelled"]
        ).first(),
        timeout=90,
        what=f"the prediction's end ({rescue.log_text()[-2000:]})",
    )

    results = PredictionResult.objects.filter(prediction=ended)
    if ended.status == "failed":  # the sweeper came first
        assert ended.error.startswith("The worker stopped responding (no heartbeat for "), ended
        assert "not run again" in ended.error and "launch it again" in ended.error
        # The cleanup runs just after the commit that ends the job, in the sweeping process.
        wait_until(lambda: not results.exists(), timeout=15, what="the partial results removed")
        assert not [name for name in written if default_storage.exists(name)]
        assert any("No heartbeat from" in line["line"] for line in ended.log)
    else:  # the broker's redelivery ran it again from the start on the rescue worker
        assert ended.status == "succeeded", (ended.status, ended.error)
        assert ended.attempts == 2 and results.count() == TIMES
        assert all(r.is_current for r in results)
