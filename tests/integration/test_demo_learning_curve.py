"""Learn from fewer annotations, end to end on demo cells with a real Celery worker (Redis,
PostgreSQL): in-silico-labelling pretraining on the label-free/DAPI pairs, then a 3-point
learning curve launched over REST from scratch and from the pretrained version, both scored on
the same held-out specimens, ending in the plateau statement, the CSV and the figure in the
report.

The cells are the demo's own (``annotations.demo.make_cell``, the generator ``seed_demo`` uses,
with its imported nucleus masks), five of them at 8 × 48 × 48 instead of 24 × 128 × 128, and the
networks are trained for a handful of steps at 32 px: the test checks the flow, not the values
(docs/learning_curve.md gives the curves of a longer run on the full demo)."""

from __future__ import annotations

import base64

import pytest
from django.core.files.storage import default_storage

from annotations.demo import make_cell
from annotations.models import Specimen
from annotations.services.groundtruth_import import ground_truth_import
from cellweb.celery import app as celery_app
from inference.models import LearningCurve, ModelVersion, TrainingJob
from inference.selectors.learning_curve import learning_curve_page
from inference.services.isl import isl_job_launch
from tests.helpers_isl import demo_specimen, tiny_isl
from tests.helpers_jobs import poll_job
from tests.helpers_training import SINGLE_THREAD_ENV

pytestmark = pytest.mark.integration

SHAPE = (8, 48, 48)
SPECIMENS = 5
SEEDS = 2


def demo_cells(project) -> list[Specimen]:
    """Demo cells (KAIST-like, every third with a dark nucleus) with DAPI and imported masks."""
    made = []
    for i in range(1, SPECIMENS + 1):
        cell = make_cell(seed=100 + i, shape=SHAPE, lab="A", dark_nucleus=i % 3 == 0)
        specimen, ri = demo_specimen(project, cell, f"KAIST-{i:02d}", "KAIST")
        ground_truth_import(volume=ri, masks=cell.nucleus)
        made.append(specimen)
    return made


def test_pretraining_then_a_learning_curve_from_scratch_and_from_it_on_demo_cells(
    worker_factory, api, project, manager
):
    celery_app.control.purge()
    demo_cells(project)
    worker = worker_factory(name="demo-lcurve-worker", extra_env=SINGLE_THREAD_ENV)

    def failure(row) -> str:
        return f"{row.status}: {getattr(row, 'error', '')}\n{worker.log_text()[-3000:]}"

    # 1. In-silico labelling: no annotation used; each fold becomes a version with its PCC.
    isl = isl_job_launch(project=project, user=manager, options=tiny_isl(epochs=2))
    isl = poll_job(TrainingJob, isl.pk, timeout=240, failure=failure)
    assert isl.status == "succeeded", failure(isl)
    pretrained = ModelVersion.objects.filter(job=isl, task="isl").order_by("fold__index").first()
    assert pretrained is not None and -1 <= pretrained.metrics["pcc"] <= 1

    # 2. The learning curve, launched like any API client would.
    response = api(manager).post(
        f"/api/projects/{project.slug}/learning-curves/",
        {
            "sizes": [1, 2, "all"],
            "seeds": SEEDS,
            "start_version": pretrained.pk,
            "samples": 8,
            "batch_size": 4,
            "input_size": 32,
            "gt_source": "imported",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    curve = poll_job(LearningCurve, response.json()["id"], timeout=300, failure=failure)
    assert curve.status == "succeeded", failure(curve)

    # Both curves have 3 points, each with the spread over its seeds.
    held_out = {h["id"] for h in curve.held_out}
    assert len(held_out) == 1  # a quarter of five specimens, at least one
    summary = curve.result["summary"]
    for start in ("scratch", "pretrained"):
        points = summary[start]["dice"]
        assert [p["n"] for p in points][:2] == [1, 2] and len(points) == 3
        assert points[2]["n"] == 4 * SHAPE[0]  # "all": every section of the other specimens
        for p in points:
            assert p["seeds"] == SEEDS and 0 <= p["low"] <= p["median"] <= p["high"] <= 1
    assert len(curve.points) == 3 * 2 * SEEDS
    # The held-out specimen is never in any training draw, for either start.
    for point in curve.points:
        assert point["drawn_specimens"] and not held_out & set(point["drawn_specimens"])

    # The plateau statement, the CSV and the figure reach the page and the report.
    sentence = learning_curve_page(curve)["plateau_sentence"]
    assert sentence.startswith("The pretrained curve reaches 90% of its plateau at n = ")
    files = curve.result["files"]
    rows = default_storage.open(files["csv"]).read().decode().splitlines()
    assert rows[0] == "start,n,seed,epochs,specimens,dice,map" and len(rows) == 1 + 12
    figure = default_storage.open(files["figure"]).read()
    report = default_storage.open(files["report"]).read().decode()
    assert sentence.split(" (")[0] in report
    assert base64.b64encode(figure).decode() in report  # the figure inline
    points = base64.b64encode(default_storage.open(files["csv"]).read()).decode()
    assert f'href="data:text/csv;base64,{points}"' in report  # and the CSV
