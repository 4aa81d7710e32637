"""A voxel size set or corrected after import holds for evaluations and predictions made from
then on; those made before keep the size they were measured with and say which it was (their
rows' ``voxel_size``: the prediction page and summary, the evaluation's CSV and report). Rows
stored before the column get their volume's size, which could not change then."""

from __future__ import annotations

import csv
import importlib

import numpy as np
import pytest
from django.apps import apps

from annotations.models import Specimen, Volume
from annotations.services.volumes import volume_create
from annotations.services.voxel_size import specimen_voxel_size_set
from inference.models import PredictionResult, VolumeResult
from inference.reports.csv_rows import results_csv_rows
from inference.reports.tables import report_context
from inference.selectors.prediction_pages import prediction_page
from inference.services.prediction import prediction_launch, prediction_run
from tests.helpers_evaluation import VOXEL, add_gt, disk_volume, run_evaluation
from tests.helpers_prediction import time_lapse

pytestmark = pytest.mark.usefixtures("single_thread_torch", "media_root")

LARGER = (0.8, 0.4, 0.4)  # each edge twice VOXEL's: a voxel 8 times the volume


def _predict(project, manager):
    launched = prediction_launch(project=project, user=manager, queue=False)
    done = prediction_run(prediction_id=launched.pk, device="cpu")
    assert done.status == "succeeded", done.error
    return done


def _rows(prediction) -> dict[str, dict]:
    page = prediction_page(prediction, tags=[], volume_id=None)
    return {row["specimen"]: row for row in page["results"]}


@pytest.mark.usefixtures("known_nuclei")
def test_a_prediction_keeps_the_size_it_was_made_with(project, manager, active_model):
    sized, _ = time_lapse(project, "sized", times=1)  # VOXEL
    bare, _ = time_lapse(project, "bare", times=1)
    Volume.objects.filter(specimen=bare).update(
        voxel_size_z=None, voxel_size_y=None, voxel_size_x=None
    )
    first = _predict(project, manager)
    before = _rows(first)
    assert before["sized"]["voxel_size"] == list(VOXEL) and before["bare"]["voxel_size"] is None
    assert before["sized"]["voxel_size_words"] == "0.4 × 0.2 × 0.2 µm"
    assert before["bare"]["total_volume_um3"] is None and before["sized"]["total_volume_um3"] > 0

    specimen_voxel_size_set(specimen=sized, user=manager, values=list(LARGER))
    specimen_voxel_size_set(specimen=bare, user=manager, values=list(VOXEL))

    # Made before: the numbers and the size they were made with, not the volume's new one (a
    # prediction without a size does not become "0 µm³" once its volume has one).
    assert _rows(first) == before
    second = _predict(project, manager)
    after = _rows(second)
    assert after["sized"]["voxel_size"] == list(LARGER)
    assert after["sized"]["total_volume_um3"] == pytest.approx(
        8 * before["sized"]["total_volume_um3"]
    )
    assert after["bare"]["voxel_size"] == list(VOXEL) and after["bare"]["total_volume_um3"] > 0
    assert after["bare"]["total_volume_um3"] == pytest.approx(before["sized"]["total_volume_um3"])


def _csv_voxel(evaluation) -> set[tuple[str, str, str]]:
    lines = [[str(v) for v in row] for row in results_csv_rows(evaluation)]
    table = csv.DictReader(["\t".join(line) for line in lines], delimiter="\t")
    return {
        (row["voxel_z_um"], row["voxel_y_um"], row["voxel_x_um"])
        for row in table
        if row["level"] == "volume"
    }


def test_an_evaluation_keeps_the_size_it_was_made_with(project, manager):
    specimen = Specimen.objects.create(project=project, name="cell", lab="A")
    ri, nucleus = disk_volume(5, 32, np.random.default_rng(3), radius=8)
    add_gt(volume_create(specimen=specimen, data=ri, modality="ri", voxel_size=VOXEL), nucleus)
    first = run_evaluation(project, manager, specimens=[specimen])
    assert first.status == "succeeded", first.error
    volumes = {r.method: r.pred_volume_um3 for r in VolumeResult.objects.filter(evaluation=first)}

    specimen_voxel_size_set(specimen=specimen, user=manager, values=list(LARGER))

    rows = VolumeResult.objects.filter(evaluation=first)
    assert {tuple(r.voxel_size) for r in rows} == {VOXEL}
    assert {r.method: r.pred_volume_um3 for r in rows} == volumes
    assert _csv_voxel(first) == {("0.4", "0.2", "0.2")}
    assert report_context(first)["voxel_sizes"] == [{"size": "0.4 × 0.2 × 0.2 µm", "volumes": 1}]

    second = run_evaluation(project, manager, specimens=[specimen])
    assert second.status == "succeeded", second.error
    assert _csv_voxel(second) == {("0.8", "0.4", "0.4")}
    for row in VolumeResult.objects.filter(evaluation=second, pred_volume_um3__isnull=False):
        assert row.pred_volume_um3 == pytest.approx(8 * volumes[row.method])


@pytest.mark.usefixtures("known_nuclei")
def test_rows_stored_before_the_column_get_their_volumes_size(project, manager, active_model):
    time_lapse(project, "sized", times=1)
    bare, _ = time_lapse(project, "bare", times=1)
    Volume.objects.filter(specimen=bare).update(voxel_size_x=None)
    _predict(project, manager)
    PredictionResult.objects.update(voxel_size=None)  # as the rows were before the column

    migration = importlib.import_module("inference.migrations.0006_result_voxel_size")
    migration.record_voxel_sizes(apps, None)

    sizes = dict(PredictionResult.objects.values_list("specimen__name", "voxel_size"))
    assert sizes == {"sized": list(VOXEL), "bare": None}
