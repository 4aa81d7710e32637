"""A time-lapse saved in several files, each holding several time points (t 0-2 in one file,
t 3-5 in the next): the first time point (``import_volume --first-time``, the API's and the
import form's ``first_time``) places every frame of a file in the specimen's series; a time point
the specimen already has refuses the file before anything is stored, naming the clash."""

from __future__ import annotations

import io

import numpy as np
import pytest
import tifffile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError

from annotations.models import ImportJob, Project, Specimen, Volume
from annotations.services.volumes import volume_array
from cellweb.jobs import JobStatus
from inference.models import Prediction, PredictionResult, PredictionSettings
from inference.selectors.prediction import nucleus_series, prediction_results
from inference.services.prediction import prediction_run
from tests.conftest import signed_in
from tests.data_files import files_under, ri_stack, write_npy
from tests.helpers_commands import run_command
from tests.helpers_prediction import MEDIUM, NUCLEUS_RI, VOXEL, dividing_frame, nucleus_volume
from tests.unit.test_prediction_continuation import ids
from tests.unit.test_prediction_service import run

pytestmark = pytest.mark.django_db

INTO = ("--project", "lab", "--specimen", "pos1", "--modality", "ri")


def chunk(times: range, shape=(4, 32, 32)) -> np.ndarray:
    """A (t, z, y, x) RI time-lapse, each frame told apart by its own values."""
    return np.stack([ri_stack(shape, seed=t) for t in times])


def write_tiff(path, data: np.ndarray):
    """A Fiji hyperstack of time points of z-stacks, as a microscope's chunk is saved."""
    tifffile.imwrite(path, data, imagej=True, metadata={"axes": "TZYX"})
    return path


def stored(specimen_name: str = "pos1") -> dict[int, np.ndarray]:
    return {
        v.time_index: volume_array(v)
        for v in Volume.objects.filter(specimen__name=specimen_name).order_by("time_index")
    }


def snapshot(media_root) -> tuple:
    return (
        sorted(Volume.objects.values_list("specimen__name", "time_index")),
        sorted(str(p) for p in files_under(media_root)),
    )


def test_import_volume_first_time_continues_the_series_with_a_second_file(tmp_path, media_root):
    first = chunk(range(3))
    second = chunk(range(3, 6))
    run_command(
        "import_volume",
        str(write_npy(tmp_path / "t0-2.npy", first)),
        *INTO,
        "--frame-interval",
        "5",
    )
    second_path = write_tiff(tmp_path / "t3-5.tif", second)
    with pytest.raises(CommandError, match="5 min apart, but this import says 3 min"):
        run_command(
            "import_volume", str(second_path), *INTO, "--first-time", "3", "--frame-interval", "3"
        )
    with pytest.raises(CommandError, match="would end at 100001, past 100,000"):
        run_command("import_volume", str(second_path), *INTO, "--first-time", "99999")
    out = run_command("import_volume", str(second_path), *INTO, "--first-time", "3")

    assert "3 volume(s), 3 time point(s)" in out
    assert "time point 3" in out and "time point 5" in out
    assert "Time points 5 min apart." in out  # the specimen's interval
    [specimen] = Specimen.objects.all()
    assert specimen.frame_interval_min == 5
    frames = stored()
    assert sorted(frames) == [0, 1, 2, 3, 4, 5]
    for t in range(6):
        np.testing.assert_array_equal(frames[t], first[t] if t < 3 else second[t - 3])


def test_import_volume_time_keeps_one_frame_as_before(tmp_path, media_root):
    path = write_npy(tmp_path / "lapse.npy", chunk(range(3)))
    run_command("import_volume", str(path), *INTO, "--time", "1")
    assert sorted(stored()) == [1]
    with pytest.raises(CommandError, match="either the time point .* or the first time point"):
        run_command("import_volume", str(path), *INTO, "--time", "0", "--first-time", "4")
    assert sorted(stored()) == [1]


def test_an_overlapping_chunk_is_refused_naming_the_clash_and_nothing_is_written(
    tmp_path, media_root
):
    run_command("import_volume", str(write_npy(tmp_path / "t0-2.npy", chunk(range(3)))), *INTO)
    before = snapshot(media_root)
    overlapping = write_tiff(tmp_path / "t1-3.tif", chunk(range(1, 4)))

    with pytest.raises(CommandError) as refused:
        run_command("import_volume", str(overlapping), *INTO, "--first-time", "1")
    message = str(refused.value)
    assert "already has ri volumes at time points 1 and 2" in message
    assert "up to 2" in message and "(e.g. 3)" in message
    assert snapshot(media_root) == before

    # Without a first time point the file starts at 0, as it always did: every frame clashes.
    with pytest.raises(CommandError, match="time points 0–2"):
        run_command("import_volume", str(overlapping), *INTO)
    assert snapshot(media_root) == before


def npy_upload(name: str, data: np.ndarray) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    np.save(buffer, data)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def tiff_upload(name: str, data: np.ndarray) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, data, imagej=True, metadata={"axes": "TZYX"})
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/tiff")


def into_pos1(file: SimpleUploadedFile, **fields: str) -> dict:
    """The import form's (and the API's) values: ``file`` into RI specimen pos1."""
    return {"file": file, "specimen": "pos1", "modality": "ri", **fields}


def api_import(client, file: SimpleUploadedFile, **fields: str):
    return client.post("/api/projects/lab/imports/", into_pos1(file, **fields), format="multipart")


def form_import(client, file: SimpleUploadedFile, **fields: str):
    return client.post("/projects/lab/import/", into_pos1(file, **fields))


def test_the_api_and_the_form_place_a_chunk_and_the_specimen_shows_one_series(
    api, project, manager, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    client = api(manager)
    first, second, third = chunk(range(2)), chunk(range(2, 4)), chunk(range(4, 6))
    with django_capture_on_commit_callbacks(execute=True):
        response = api_import(client, npy_upload("a.npy", first))
    assert response.status_code == 202, response.content
    with django_capture_on_commit_callbacks(execute=True):
        response = api_import(client, tiff_upload("b.tif", second), first_time="2")
    assert response.status_code == 202, response.content
    job = client.get(f"/api/import-jobs/{response.json()['id']}/").json()
    assert job["status"] == JobStatus.SUCCEEDED, job
    assert job["result"]["time_points"] == [2, 3]
    assert ImportJob.objects.get(pk=job["id"]).params["first_time_index"] == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = form_import(signed_in(manager), tiff_upload("c.tif", third), first_time="4")
    assert response.status_code == 302, response.content
    assert ImportJob.objects.latest("pk").status == JobStatus.SUCCEEDED

    specimen = Specimen.objects.get(name="pos1")
    detail = client.get(f"/api/specimens/{specimen.pk}/").json()
    assert [t["time_index"] for t in detail["time_points"]] == [0, 1, 2, 3, 4, 5]
    frames = stored()
    np.testing.assert_array_equal(frames[3], second[1])
    np.testing.assert_array_equal(frames[4], third[0])
    assert Specimen.objects.count() == 1


def test_the_api_and_the_form_refuse_an_overlapping_chunk_before_anything_is_kept(
    api, project, manager, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    client = api(manager)
    with django_capture_on_commit_callbacks(execute=True):
        api_import(client, npy_upload("a.npy", chunk(range(3))))
    assert sorted(stored()) == [0, 1, 2]
    before, jobs = snapshot(media_root), ImportJob.objects.count()

    response = api_import(client, tiff_upload("b.tif", chunk(range(3, 6))), first_time="2")
    assert response.status_code == 409
    assert response.json()["code"] == "volume_exists"
    assert "already has a ri volume at time point 2" in response.json()["detail"]
    both = api_import(client, tiff_upload("b.tif", chunk(range(3, 6))), time="0", first_time="3")
    assert both.status_code == 400
    assert "not both" in str(both.json())

    response = form_import(
        signed_in(manager), tiff_upload("b.tif", chunk(range(3, 6))), first_time="1"
    )
    assert response.status_code == 409
    assert "ri volumes at time points 1 and 2" in response.content.decode()
    assert snapshot(media_root) == before
    assert ImportJob.objects.count() == jobs


def test_predict_new_imports_continues_the_series_tracks_over_a_chunk(
    media_root, tmp_path, project, manager, active_model, known_nuclei
):
    """Two files of two frames each: the second, imported from time point 2, is predicted alone
    and continues the first's tracks, with the ids of one run over the whole series."""
    PredictionSettings.objects.create(project=project, predict_new_imports=True)
    lapse = np.stack(
        [(MEDIUM + (NUCLEUS_RI - MEDIUM) * dividing_frame(t)).astype(np.float32) for t in range(4)]
    )
    voxel = ["--voxel-size", *map(str, VOXEL)]
    jobs = []
    for number, (start, options) in enumerate([(0, []), (2, ["--first-time", "2"])]):
        path = write_tiff(tmp_path / f"chunk{number}.tif", lapse[start : start + 2])
        run_command("import_volume", str(path), *INTO, *voxel, *options)
        prediction = Prediction.objects.latest("pk")
        assert [v["time_index"] for v in prediction.config["volumes"]] == [start, start + 1]
        jobs.append(prediction_run(prediction_id=prediction.pk, device="cpu"))
        assert jobs[-1].status == "succeeded", jobs[-1].error

    specimen = Specimen.objects.get(name="pos1")
    assert jobs[1].config["whole_series"] is False
    assert jobs[1].config["continues"] == {str(specimen.pk): 1}
    current = PredictionResult.objects.filter(specimen=specimen, is_current=True)
    assert sorted(r.time_index for r in current) == [0, 1, 2, 3]

    whole = Specimen.objects.create(project=Project.objects.get(slug="lab"), name="whole")
    for t in range(4):
        nucleus_volume(whole, dividing_frame(t), t)
    one_run = run(project, manager, specimen_ids=[whole.pk])
    assert one_run.status == "succeeded", one_run.error
    assert ids(current) == ids(one_run.results.all())

    series = nucleus_series(prediction_results(jobs[1]))
    assert max(len(entry["points"]) for entry in series) == 4  # one series over both files
