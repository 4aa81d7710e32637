"""Imports through a real Celery worker, and progress that the web sees while an import runs."""

from __future__ import annotations

import io
import threading
import time

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from annotations.models import ImportJob, Section, Volume
from annotations.services import imports
from annotations.services.imports import importer
from cellweb.jobs import JobStatus
from tests.data_files import files_under, write_small_tcf
from tests.helpers_jobs import cleaned_up, poll_job

pytestmark = pytest.mark.integration


def wait_for_final(job_id: int, timeout: float = 90.0) -> ImportJob:
    return poll_job(ImportJob, job_id, timeout=timeout)


def test_an_api_upload_is_imported_by_the_worker(media_root, celery_worker, api, manager, tmp_path):
    content = write_small_tcf(tmp_path / "cell.TCF", time_points=2).read_bytes()
    response = api(manager).post(
        "/api/projects/lab/imports/",
        {
            "file": SimpleUploadedFile("cell.TCF", content),
            "specimen": "cell-01",
            "modality": "ri",
            "channel": "DAPI",
            "lab": "KAIST",
        },
        format="multipart",
    )
    assert response.status_code == 202, response.content

    job = wait_for_final(response.json()["id"])

    assert job.status == JobStatus.SUCCEEDED, (job.error, celery_worker.log_text()[-3000:])
    assert job.progress == 1.0
    assert (job.result["sections_count"], job.result["stain_sections_count"]) == (8, 8)
    assert job.specimen.name == "cell-01"
    assert Volume.objects.filter(specimen=job.specimen).count() == 4
    assert Section.objects.filter(specimen=job.specimen, fluorescence__isnull=False).count() == 8
    assert cleaned_up(media_root / "staging") == []
    body = api(manager).get(f"/api/import-jobs/{job.pk}/").json()
    assert body["status"] == "succeeded" and body["result"]["volumes_created"] == 4


def test_a_refused_file_fails_its_job_in_the_worker_and_leaves_nothing(
    media_root, celery_worker, api, manager
):
    data = np.full((4, 32, 32), 1.35, np.float32)
    data[1, 2, 3] = np.inf
    buffer = io.BytesIO()
    np.save(buffer, data)
    response = api(manager).post(
        "/api/projects/lab/imports/",
        {
            "file": SimpleUploadedFile("inf.npy", buffer.getvalue()),
            "specimen": "s",
            "modality": "ri",
        },
        format="multipart",
    )
    job = wait_for_final(response.json()["id"])
    assert job.status == JobStatus.FAILED
    assert "NaN or infinity" in job.error
    assert not Volume.objects.exists()
    assert cleaned_up(media_root / "staging") == [] and files_under(media_root / "volumes") == []


def test_progress_is_visible_to_other_connections_while_the_import_transaction_is_open(
    transactional_db, media_root, manager, project, tmp_path, monkeypatch
):
    path = write_small_tcf(media_root / "staged.TCF")
    staged = media_root / "staging" / "x" / "cell.TCF"
    staged.parent.mkdir(parents=True)
    path.rename(staged)
    job = ImportJob.objects.create(
        project=project,
        created_by=manager,
        staged_path="staging/x/cell.TCF",
        original_name="cell.TCF",
        params={"specimen_name": "cell-01", "modality": "ri", "channel": "DAPI"},
    )
    seen: list[float] = []
    real_volume_create = importer.volume_create

    def observe_from_another_connection():
        try:
            for _ in range(50):
                row = (
                    ImportJob.objects.filter(pk=job.pk)
                    .values("status", "progress", "message")
                    .get()
                )
                if row["status"] == "running" and row["progress"] > 0:
                    seen.append(row["progress"])
                    return
                time.sleep(0.1)
        finally:
            connection.close()

    def slow_volume_create(**kwargs):
        volume = real_volume_create(**kwargs)
        if not seen:
            watcher = threading.Thread(target=observe_from_another_connection)
            watcher.start()
            watcher.join()
        return volume

    monkeypatch.setattr(importer, "volume_create", slow_volume_create)
    imports.import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert seen and 0 < seen[0] < 1
    assert not staged.exists()
