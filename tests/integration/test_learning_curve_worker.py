"""A learning curve end to end: launched like the form does, run by a real Celery worker on the
gpu queue with Redis and PostgreSQL, followed over the job websocket point by point, leaving
both curves, the held-out scores and its CSV and figure; a second one cancelled mid-run keeps
the points it finished and writes no report."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.storage import default_storage

from cellweb.celery import app as celery_app
from inference.models import LearningCurve
from inference.services.learning_curve import (
    LearningCurveConfig,
    learning_curve_cancel,
    learning_curve_launch,
)
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_jobs import poll_job
from tests.helpers_training import add_specimens
from tests.integration.test_training_websocket import assert_succeeded, watch_job

pytestmark = pytest.mark.integration


def test_a_tiny_learning_curve_runs_on_the_worker_and_streams_each_point(
    asgi_server, worker_factory, project, manager, make_volume
):
    celery_app.control.purge()
    add_specimens(project, make_volume, 3, sections=2, size=64)
    version = tiny_model_version(project, arch="unet16", input_size=64)
    config = LearningCurveConfig(
        sizes=[1, 2],
        seeds=1,
        arch="unet16",
        samples=2,
        batch_size=2,
        input_size=64,
        start_version=version.pk,
    )
    curve = learning_curve_launch(project=project, user=manager, config=config)
    snapshot, events, worker = watch_job(
        asgi_server, worker_factory, "learning_curve", curve.pk, worker="lcurve-worker"
    )

    assert snapshot["job"]["status"] == "queued" and snapshot["job"]["total_points"] == 4
    assert_succeeded(events[-1], worker)
    streamed = [e["point"] for e in events if e["type"] == "progress" and "point" in e]
    assert sorted((p["start"], p["n"]) for p in streamed) == [
        ("pretrained", 1),
        ("pretrained", 2),
        ("scratch", 1),
        ("scratch", 2),
    ]
    assert [e["done"] for e in events if "done" in e] == [1, 2, 3, 4]

    curve = LearningCurve.objects.get(pk=curve.pk)
    assert curve.status == "succeeded" and curve.points == streamed
    assert any("lcurve-worker" in line["line"] for line in curve.log)
    summary = curve.result["summary"]
    for start in ("scratch", "pretrained"):
        assert [p["n"] for p in summary[start]["dice"]] == [1, 2]
        assert all(0 <= p["median"] <= 1 for p in summary[start]["dice"])
    rows = list(
        csv.DictReader(
            io.StringIO(default_storage.open(curve.result["files"]["csv"]).read().decode())
        )
    )
    assert [(r["start"], r["n"]) for r in rows] == [(p["start"], str(p["n"])) for p in streamed]
    assert default_storage.exists(curve.result["files"]["figure"])

    # The same worker takes a long curve; cancelled after its first point, it keeps that point.
    long = learning_curve_launch(
        project=project,
        user=manager,
        config=LearningCurveConfig(
            sizes=[1, 2, 4], seeds=3, arch="unet16", samples=60, batch_size=2, input_size=64
        ),
    )

    def failure(row) -> str:
        return f"{row.status} {len(row.points)} points\n{worker.log_text()[-3000:]}"

    poll_job(LearningCurve, long.pk, timeout=180, until=lambda r: r.points, failure=failure)
    learning_curve_cancel(curve=LearningCurve.objects.get(pk=long.pk), user=manager)
    long = poll_job(LearningCurve, long.pk, timeout=120, failure=failure)
    assert long.status == "cancelled"
    assert 1 <= len(long.points) < long.total_points
    assert "files" not in long.result
