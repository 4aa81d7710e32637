"""Predictions through the service and the job lifecycle (in this process): time-lapses without
ground truth, tracked ids, ImageJ TIFFs, zero nuclei, atomic replacement, cancel, bad input."""

from __future__ import annotations

import re

import numpy as np
import pytest
import tifffile
from django.core.management import CommandError, call_command
from django.http import Http404

from annotations.models import Specimen
from cellweb.errors import ConflictError, InvalidInput, NotAllowed, NotFoundError
from inference.models import Prediction, PredictionResult
from inference.services.prediction import prediction_launch, prediction_run
from tests.conftest import signed_in
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_prediction import (
    VOXEL,
    ball_mask,
    nucleus_volume,
    threshold_sections,
    time_lapse,
)


def run(project, manager, **launch) -> Prediction:
    prediction = prediction_launch(project=project, user=manager, queue=False, **launch)
    return prediction_run(prediction_id=prediction.pk, device="cpu")


def test_a_time_lapse_without_ground_truth_is_segmented_tracked_and_measured(
    project, manager, active_model, known_nuclei
):
    specimen, masks = time_lapse(project, "live-cell", times=3)
    prediction = run(project, manager)
    assert prediction.status == "succeeded", prediction.error
    assert prediction.model_version == active_model  # the active model by default
    results = list(PredictionResult.objects.filter(prediction=prediction).order_by("time_index"))
    assert [r.time_index for r in results] == [0, 1, 2] and all(r.is_current for r in results)
    ids = [[n["id"] for n in r.nuclei] for r in results]
    assert ids == [[1], [1], [1]]  # one nucleus, tracked: it keeps its id
    for result, mask in zip(results, masks):
        [nucleus] = result.nuclei
        assert nucleus["voxel_count"] == int(mask.sum())
        assert nucleus["volume_um3"] == pytest.approx(mask.sum() * np.prod(VOXEL))
        assert nucleus["mean_ri"] == pytest.approx(1.367, abs=1e-3)
        assert result.medium_ri == pytest.approx(1.337, abs=5e-4)
        assert nucleus["concentration_pg_per_um3"] == pytest.approx(0.03 / 0.19, rel=0.03)
        with result.labels.open("rb") as fh, tifffile.TiffFile(fh) as tif:
            assert tif.is_imagej and tif.imagej_metadata["spacing"] == pytest.approx(VOXEL[0])
            assert tif.imagej_metadata["unit"] == "um"
            x_res = tif.pages[0].tags["XResolution"].value
            assert x_res[0] / x_res[1] == pytest.approx(1 / VOXEL[2])
            labels = tif.asarray()
        assert labels.dtype == np.uint16 and np.array_equal(labels == 1, mask)
    assert [(r["specimen"], r["time_index"], r["n_nuclei"]) for r in prediction.summary] == [
        ("live-cell", t, 1) for t in range(3)
    ]


def test_a_nucleus_missed_at_one_time_point_keeps_its_track_id_unless_gaps_are_not_bridged(
    project, manager, active_model, known_nuclei
):
    time_lapse(project, "flicker", times=4, missing=(1,))
    bridged = run(project, manager)
    assert bridged.track_gap == 2 and bridged.options.track_gap == 2  # the default
    ids = [[n["id"] for n in r.nuclei] for r in bridged.results.order_by("time_index")]
    assert ids == [[1], [], [1], [1]]
    unbridged = run(project, manager, track_gap=0)
    ids = [[n["id"] for n in r.nuclei] for r in unbridged.results.order_by("time_index")]
    assert ids == [[1], [], [2], [2]]
    with pytest.raises(InvalidInput, match="track_gap"):
        prediction_launch(project=project, user=manager, queue=False, track_gap=11)


def test_a_time_point_without_nucleus_is_zero_nuclei_not_an_error(
    project, manager, active_model, known_nuclei
):
    time_lapse(project, "empty-field", times=1, empty=True)
    prediction = run(project, manager)
    assert prediction.status == "succeeded", prediction.error
    [result] = PredictionResult.objects.filter(prediction=prediction)
    assert result.n_nuclei == 0 and result.nuclei == [] and result.total_volume_um3 == 0.0
    with result.labels.open("rb") as fh:
        assert not tifffile.imread(fh).any()


def test_a_rerun_replaces_the_results_and_a_cancelled_one_leaves_nothing(
    project, manager, active_model, known_nuclei, monkeypatch, django_capture_on_commit_callbacks
):
    time_lapse(project, "cell", times=2)
    first = run(project, manager)
    first_files = [r.labels.name for r in PredictionResult.objects.filter(prediction=first)]
    storage = PredictionResult._meta.get_field("labels").storage

    with django_capture_on_commit_callbacks(execute=True):  # the after-commit steps run
        second = run(project, manager, threshold=0.4)
    assert second.status == "succeeded"
    assert not PredictionResult.objects.filter(prediction=first).exists()
    assert not any(storage.exists(name) for name in first_files)
    assert PredictionResult.objects.filter(prediction=second, is_current=True).count() == 2

    calls = []

    def cancel_after_first(model, sections, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # midway: the first volume is stored, the second not yet
            Prediction.objects.filter(status="running").update(cancel_requested=True)
        return threshold_sections(model, sections, **kwargs)

    monkeypatch.setattr("inference.services.prediction.runner.predict_sections", cancel_after_first)
    with django_capture_on_commit_callbacks(execute=True):
        third = run(project, manager)
    assert third.status == "cancelled"
    assert not PredictionResult.objects.filter(prediction=third).exists()
    current = PredictionResult.objects.filter(is_current=True)
    assert {r.prediction_id for r in current} == {second.pk} and current.count() == 2
    assert all(storage.exists(r.labels.name) for r in current)


def test_options_and_selection(project, manager, active_model, known_nuclei):
    time_lapse(project, "treated-1", times=3, tag="LPS")
    time_lapse(project, "control-1", times=3, tag="control")
    prediction = run(project, manager, tag="LPS", time_points=[0, 2], tta=True, split_touching=True)
    assert prediction.status == "succeeded", prediction.error
    assert [(r["specimen"], r["time_index"]) for r in prediction.summary] == [
        ("treated-1", 0),
        ("treated-1", 2),
    ]
    assert prediction.config["options"]["tta"] and prediction.config["options"]["split_touching"]
    by_name = run(project, manager, specimen_names=["control-1"], time_points=[1])
    assert [r["specimen"] for r in by_name.summary] == ["control-1"]
    launched = prediction_launch(
        project=project, user=manager, queue=False, specimen_names=["control-1"], time_points=[1]
    )
    assert launched.message == "1 volume of 1 specimen"  # what the job says before it starts


def test_bad_requests_are_refused_and_write_nothing(
    project, manager, annotator, outsider, known_nuclei
):
    time_lapse(project, "cell", times=1)
    with pytest.raises(ConflictError, match="no active model"):
        prediction_launch(project=project, user=manager)
    version = tiny_model_version(project, input_size=32)
    with pytest.raises(Http404):
        prediction_launch(project=project, user=outsider, model_version_id=version.pk)
    with pytest.raises(NotAllowed):
        prediction_launch(project=project, user=annotator, model_version_id=version.pk)
    with pytest.raises(NotFoundError):
        prediction_launch(project=project, user=manager, model_version_id=version.pk + 99)
    with pytest.raises(NotFoundError, match="nobody"):
        prediction_launch(
            project=project, user=manager, model_version_id=version.pk, specimen_names=["nobody"]
        )
    with pytest.raises(InvalidInput, match="threshold"):
        prediction_launch(project=project, user=manager, model_version_id=version.pk, threshold=1)
    with pytest.raises(ConflictError, match="no label-free volume"):
        prediction_launch(
            project=project, user=manager, model_version_id=version.pk, time_points=[7]
        )
    version.config = {**version.config, "modalities": ["brightfield"]}
    version.save()
    with pytest.raises(ConflictError, match="trained on brightfield"):
        prediction_launch(project=project, user=manager, model_version_id=version.pk)
    assert not Prediction.objects.exists()


def test_manage_py_predict_waits_prints_the_table_and_writes_tiffs_and_csv(
    project, manager, active_model, known_nuclei, tmp_path, capsys
):
    time_lapse(project, "cell-a", times=2)
    call_command("predict", "--project", "lab", "--wait", "--device", "cpu", "--out", str(tmp_path))
    out = capsys.readouterr().out
    assert "succeeded" in out and "total volume" in out
    lines = [line.split() for line in out.splitlines() if line.startswith("cell-a")]
    assert [line[:3] for line in lines] == [["cell-a", "0", "1"], ["cell-a", "1", "1"]]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cell-a_t0_labels.tif",
        "cell-a_t1_labels.tif",
        "nuclei.csv",
    ]
    csv_lines = (tmp_path / "nuclei.csv").read_text().splitlines()
    assert csv_lines[0].startswith(
        "specimen,time_index,time_min,nucleus,parent,voxel_count,volume_um3"
    )
    assert len(csv_lines) == 3 and csv_lines[1].startswith("cell-a,0,,1,,")
    assert tifffile.imread(tmp_path / "cell-a_t1_labels.tif").dtype == np.uint16
    # Launched without --user: its page and the list say so, not "the system (new import)".
    prediction = Prediction.objects.get()
    client = signed_in(manager)
    assert (
        "launched by the command line"
        in client.get(f"/predictions/{prediction.pk}/").content.decode()
    )
    listing = client.get("/projects/lab/predictions/").content.decode()
    assert re.search(
        rf'data-prediction="{prediction.pk}">.*?<td>the command line</td>', listing, re.S
    )


def test_manage_py_predict_refuses_an_out_that_is_a_file_before_running_anything(
    project, manager, active_model, known_nuclei, tmp_path
):
    time_lapse(project, "cell-a", times=1)
    taken = tmp_path / "nuclei.csv"
    taken.write_text("kept")
    with pytest.raises(CommandError, match="is a file, not a folder"):
        call_command(
            "predict", "--project", "lab", "--wait", "--device", "cpu", "--out", str(taken)
        )
    assert not Prediction.objects.exists() and taken.read_text() == "kept"


def test_a_daughter_names_her_parent_on_every_row_of_her_track(
    project, manager, active_model, known_nuclei
):
    """The parent belongs to the track: filtering the table on it gives the daughter's whole
    time course, not only the time point she appeared."""
    specimen = Specimen.objects.create(project=project, name="dividing")
    shape, centre = (8, 48, 48), (4, 24, 24)
    daughters = ball_mask(shape, (4, 15, 24), 1.4) | ball_mask(shape, (4, 33, 24), 1.4)
    for t, mask in enumerate([ball_mask(shape, centre, 2.0), daughters, daughters]):
        nucleus_volume(specimen, mask, t)
    launched = prediction_launch(project=project, user=manager, queue=False)
    done = prediction_run(prediction_id=launched.pk, device="cpu")
    rows = {
        (r.time_index, n["id"]): n["parent"]
        for r in done.results.order_by("time_index")
        for n in r.nuclei
    }
    assert rows == {(0, 1): None, (1, 1): None, (1, 2): 1, (2, 1): None, (2, 2): 1}


def test_predict_out_keeps_specimens_whose_names_make_the_same_file_name_apart(
    project, manager, active_model, known_nuclei, tmp_path
):
    """Specimens “A1 ctrl” and “A1_ctrl” both make A1_ctrl in a file name: neither TIFF is lost."""
    time_lapse(project, "A1 ctrl", times=1)
    time_lapse(project, "A1_ctrl", times=1, seed=1)
    call_command("predict", "--project", "lab", "--wait", "--device", "cpu", "--out", str(tmp_path))
    tiffs = sorted(p.name for p in tmp_path.glob("*.tif"))
    assert len(tiffs) == 2 and tiffs[0].startswith("A1_ctrl"), tiffs
