"""A prediction end to end: launched like the web does on a time-lapse without ground truth,
run by a real Celery worker on the gpu queue with Redis and PostgreSQL, followed live over the
job websocket, leaving current label TIFFs and a nuclei table tracked across time."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from cellweb.celery import app as celery_app
from inference.models import Prediction, PredictionResult
from inference.services.model_versions import model_version_activate
from inference.services.prediction import prediction_launch
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_prediction import time_lapse
from tests.integration.test_training_websocket import assert_succeeded, watch_job

pytestmark = pytest.mark.integration

SHAPE = (6, 32, 32)
TIMES = 3


def test_a_time_lapse_prediction_runs_on_the_worker_and_streams_its_progress(
    asgi_server, worker_factory, project, manager
):
    celery_app.control.purge()
    specimen, _ = time_lapse(project, "live-cell", times=TIMES, shape=SHAPE)
    version = tiny_model_version(project, input_size=32)
    model_version_activate(version=version, user=manager)
    prediction = prediction_launch(project=project, user=manager, min_voxels=1)
    snapshot, events, worker = watch_job(
        asgi_server, worker_factory, "prediction", prediction.pk, worker="predict-worker"
    )

    assert snapshot["job"]["id"] == prediction.pk and snapshot["job"]["status"] == "queued"
    assert snapshot["job"]["batches"] == TIMES * SHAPE[0]
    final = events[-1]
    assert_succeeded(final, worker)
    progress = [e for e in events if e["type"] == "progress"]
    assert progress[-1]["batch"] == TIMES * SHAPE[0]
    done = [e["volume_done"] for e in progress if "volume_done" in e]
    assert [row["time_index"] for row in done] == list(range(TIMES))
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and all(s > snapshot["job"]["seq"] for s in seqs)

    prediction = Prediction.objects.get(pk=prediction.pk)
    assert prediction.status == "succeeded" and prediction.progress == 1.0
    assert any("predict-worker" in line["line"] for line in prediction.log)
    results = list(PredictionResult.objects.filter(prediction=prediction).order_by("time_index"))
    assert [r.time_index for r in results] == list(range(TIMES))
    assert all(r.is_current and r.specimen_id == specimen.pk for r in results)
    for result in results:
        with result.labels.open("rb") as fh:
            labels = tifffile.imread(fh)
        assert labels.shape == SHAPE and labels.dtype == np.uint16
        assert sorted(n["id"] for n in result.nuclei) == sorted(
            int(v) for v in np.unique(labels) if v
        )
        assert result.n_nuclei == len(result.nuclei)
    assert final["summary"] == prediction.summary
