"""A time-lapse saved one file per frame, with a Hoechst image per frame, uploaded as a folder and
imported by a real worker: one specimen, a time point per frame, the frame interval stored."""

from __future__ import annotations

import pytest

from annotations.models import Specimen, Volume
from cellweb.jobs import JobStatus
from tests.integration.test_import_batch_worker import assert_staging_emptied
from tests.integration.test_import_worker import wait_for_final
from tests.unit.test_import_time_series import SERIES, folder_uploads, write_series

pytestmark = pytest.mark.integration


def test_a_folder_of_frames_becomes_one_specimen_in_the_worker(
    tmp_path, media_root, celery_worker, api, manager
):
    folder = write_series(tmp_path / "tl", times=(1, 2, 10))
    write_series(folder, specimen="pos2", times=(1, 3), stain=False)
    data = {"pattern": SERIES, "modality": "phase", "stain_name": "Hoechst"}
    data |= {"files": folder_uploads(folder), "frame_interval": "5"}

    response = api(manager).post("/api/projects/lab/imports/batch/", data, format="multipart")

    assert response.status_code == 202, response.content
    jobs = {row["specimen"]: wait_for_final(row["job"]["id"]) for row in response.json()["queued"]}
    assert {name: job.status for name, job in jobs.items()} == {
        "pos1": JobStatus.SUCCEEDED,
        "pos2": JobStatus.SUCCEEDED,
    }, ([job.error for job in jobs.values()], celery_worker.log_text()[-3000:])
    volumes = Volume.objects.filter(specimen__name="pos1").order_by("time_index", "modality")
    assert [(v.time_index, v.modality) for v in volumes] == [
        (t, m) for t in (1, 2, 10) for m in ("fluorescence", "phase")
    ]
    assert all(v.paired_with.time_index == v.time_index for v in volumes if v.paired_with)
    phase = Volume.objects.filter(specimen__name="pos2").order_by("time_index")
    assert [v.time_index for v in phase] == [1, 3]
    assert set(Specimen.objects.values_list("frame_interval_min", flat=True)) == {5}
    assert_staging_emptied(media_root)
