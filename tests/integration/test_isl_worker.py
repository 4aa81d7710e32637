"""An in-silico-labelling job end to end: launched like the web does, its folds trained by a real
Celery worker on the gpu queue (Redis, PostgreSQL), each epoch's PCC followed live over the job's
websocket, ending in ISL model versions with their PCC per fold."""

from __future__ import annotations

import pytest

from cellweb.celery import app as celery_app
from inference.models import ModelVersion
from inference.services.isl import isl_job_launch
from tests.helpers_isl import add_stained_specimens, tiny_isl
from tests.integration.test_training_websocket import assert_succeeded, watch_job

pytestmark = pytest.mark.integration


def test_an_isl_job_runs_on_the_worker_and_streams_the_pcc_of_every_epoch(
    asgi_server, worker_factory, project, manager, make_volume
):
    celery_app.control.purge()
    add_stained_specimens(project, make_volume, 4, sections=2)
    job = isl_job_launch(project=project, user=manager, options=tiny_isl(epochs=2))

    snapshot, events, worker = watch_job(asgi_server, worker_factory, "training", job.pk)

    assert snapshot["job"]["task"] == "isl"
    assert_succeeded(events[-1], worker)
    for fold in (0, 1):
        epochs = [e for e in events if e["type"] == "epoch" and e["fold"] == fold]
        assert [e["epoch"] for e in epochs] == [1, 2]
        assert all(e["val_dice"] is None and -1 <= e["val_pcc"] <= 1 for e in epochs)
    job.refresh_from_db()
    versions = ModelVersion.objects.filter(job=job).order_by("fold__index")
    assert [v.task for v in versions] == ["isl", "isl"]
    assert job.summary["metrics"]["pcc"]["per_fold"] == [v.metrics["pcc"] for v in versions]
