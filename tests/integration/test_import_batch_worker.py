"""Several files uploaded at once (a dish: phase-contrast fields and their Hoechst images), paired
by name into one specimen per field, and imported by a real worker through the import job kind."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
import tifffile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from annotations.models import ImportJob, Section, Specimen, Volume
from cellweb.jobs import JobStatus
from tests.data_files import files_under
from tests.helpers_jobs import cleaned_up
from tests.integration.test_import_worker import wait_for_final

pytestmark = pytest.mark.integration


def tiff(name: str, data: np.ndarray) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, data)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/tiff")


def assert_staging_emptied(media_root, timeout: float = 15.0) -> None:
    """Staged files go in the job's last step, just after its final status is committed."""
    deadline = time.monotonic() + timeout
    while files_under(media_root / "staging") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert cleaned_up(media_root / "staging") == []


def dish(fields: int, shape=(40, 40), seed=0) -> list[SimpleUploadedFile]:
    rng = np.random.default_rng(seed)
    files = []
    for number in range(1, fields + 1):
        files.append(tiff(f"dish_f{number:02d}_c1.tif", rng.random(shape).astype(np.float32)))
        files.append(tiff(f"dish_f{number:02d}_c2.tif", (900 * rng.random(shape)).astype("u2")))
    return files


def test_a_dish_upload_is_paired_reported_and_imported_field_by_field(
    media_root, celery_worker, api, manager
):
    files = dish(3)
    files.append(tiff("dish_f04_c1.tif", np.zeros((40, 40), np.float32)))
    files.append(tiff("dish_f04_c2.tif", np.zeros((32, 32), "u2")))  # not the phase image's size
    files.append(tiff("dish_f05_c2.tif", np.zeros((40, 40), "u2")))
    files.append(SimpleUploadedFile("notes.txt", b"Hoechst 33342, 10 min"))

    response = api(manager).post(
        "/api/projects/lab/imports/batch/",
        {"files": files, "modality": "phase", "stain_name": "Hoechst", "lab": "KAIST"},
        format="multipart",
    )

    assert response.status_code == 202, response.content
    body = response.json()
    assert [(row["specimen"], row["files"]) for row in body["queued"]] == [
        (f"dish_f0{n}", [f"dish_f0{n}_c1.tif", f"dish_f0{n}_c2.tif"]) for n in (1, 2, 3)
    ]
    [refused] = body["refused"]
    assert refused["specimen"] == "dish_f04"
    assert "The fluorescence Hoechst stack is 1×32×32" in refused["reason"]
    skipped = {row["file"]: row["reason"] for row in body["skipped"]}
    assert skipped.keys() == {"dish_f05_c2.tif", "notes.txt"}
    assert "has a stain but no label-free image" in skipped["dish_f05_c2.tif"]

    jobs = [wait_for_final(row["job"]["id"]) for row in body["queued"]]
    assert [job.status for job in jobs] == [JobStatus.SUCCEEDED] * 3, (
        [job.error for job in jobs],
        celery_worker.log_text()[-3000:],
    )
    for job in jobs:
        volumes = {v.modality: v for v in Volume.objects.filter(specimen=job.specimen)}
        assert set(volumes) == {"phase", "fluorescence"}
        assert volumes["fluorescence"].channel == "Hoechst" and job.specimen.lab == "KAIST"
        assert Section.objects.get(volume=volumes["phase"]).fluorescence.volume_id == (
            volumes["fluorescence"].pk
        )
        assert [f["name"] for f in job.result["source_files"]] == [
            job.original_name,
            job.original_name.replace("_c1", "_c2"),
        ]
    assert not Specimen.objects.filter(name__in=["dish_f04", "dish_f05"]).exists()
    assert_staging_emptied(media_root)


def test_a_field_that_fails_in_the_worker_imports_neither_file(
    media_root, celery_worker, api, manager
):
    bad = np.full((40, 40), 0.5, np.float32)
    bad[3, 4] = np.inf  # passes the header check, refused when the pixels are read
    files = [
        tiff("a_c1.tif", bad),
        tiff("a_c2.tif", np.ones((40, 40), "u2")),
        *dish(1, seed=3),
    ]
    response = api(manager).post(
        "/api/projects/lab/imports/batch/",
        {"files": files, "modality": "phase"},
        format="multipart",
    )
    assert response.status_code == 202, response.content
    jobs = {row["specimen"]: wait_for_final(row["job"]["id"]) for row in response.json()["queued"]}
    assert jobs["a"].status == JobStatus.FAILED and "NaN or infinity" in jobs["a"].error
    assert jobs["dish_f01"].status == JobStatus.SUCCEEDED
    assert not Specimen.objects.filter(name="a").exists()
    assert Volume.objects.count() == 2
    assert_staging_emptied(media_root)


def test_the_folder_page_reports_queued_refused_and_skipped_files(
    media_root, celery_worker, manager
):
    client = Client()
    client.force_login(manager)
    assert client.get("/projects/lab/import/folder/").status_code == 200
    files = [*dish(2), tiff("other.tif", np.zeros((8, 8), np.float32))]
    response = client.post(
        "/projects/lab/import/folder/",
        {
            "files": files,
            "pattern": "{specimen}_c{channel}.*",
            "label_free": "1",
            "stain": "2",
            "modality": "phase",
            "stain_name": "DAPI",
        },
    )
    assert response.status_code == 202
    html = response.content.decode()
    assert "2 fields queued" in html and 'id="batch-queued"' in html
    assert "other.tif" in html and "does not match the pattern" in html
    for job in ImportJob.objects.all():
        assert wait_for_final(job.pk).status == JobStatus.SUCCEEDED
    assert Specimen.objects.filter(name__startswith="dish_f0").count() == 2

    nothing = client.post(
        "/projects/lab/import/folder/",
        {
            "files": [tiff("x.tif", np.zeros((8, 8), np.float32))],
            "pattern": "{specimen}_c{channel}.*",
            "label_free": "1",
            "stain": "2",
            "modality": "phase",
        },
    )
    assert nothing.status_code == 400 and "No field could be paired" in nothing.content.decode()
    assert ImportJob.objects.count() == 2


def test_bad_options_are_refused_before_any_file_is_kept(media_root, api, manager):
    for data, says in [
        ({"modality": "fluorescence"}, "modality"),
        ({"pattern": "*.tif"}, "exactly once"),
        ({"label_free": "2", "stain": "2"}, "two different channel values"),
        ({"voxel_size": "a,b"}, "voxel size"),
    ]:
        response = api(manager).post(
            "/api/projects/lab/imports/batch/",
            {"files": dish(1), "modality": "phase", **data},
            format="multipart",
        )
        assert response.status_code == 400, (data, response.content)
        assert says in response.json()["detail"]
    assert files_under(media_root) == [] and not ImportJob.objects.exists()
