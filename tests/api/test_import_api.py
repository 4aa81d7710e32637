"""POST /api/projects/<slug>/imports/ and GET /api/import-jobs/<id>/."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import ImportJob, Section, Specimen, Volume
from cellweb.jobs import JobStatus
from tests.data_files import (
    assert_nothing_written,
    files_under,
    ri_stack,
    stain_stack,
    write_h5,
    write_small_tcf,
)

pytestmark = pytest.mark.django_db


def npy_bytes(data: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, data)
    return buffer.getvalue()


def upload(client, name: str, content: bytes, slug: str = "lab", **fields):
    data = {"specimen": "cell-01", "modality": "ri"} | fields
    data["file"] = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(f"/api/projects/{slug}/imports/", data, format="multipart")


def test_an_upload_is_accepted_queued_and_imported_by_the_worker(
    api, manager, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    client = api(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(
            client, "ri.npy", npy_bytes(ri_stack()), lab="KAIST", voxel_size="0.2,0.1,0.1"
        )

    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    status = client.get(f"/api/import-jobs/{job_id}/").json()
    assert status["status"] == JobStatus.SUCCEEDED, status
    assert status["progress"] == 1.0
    assert status["error"] == ""
    assert status["result"]["sections_count"] == 4
    assert status["result"]["volumes"] == [
        {"modality": "ri", "channel": "", "time_index": 0, "shape": [4, 32, 32]}
    ]
    specimen = Specimen.objects.get(name="cell-01")
    assert specimen.lab == "KAIST"
    assert status["specimen_url"] == f"/specimens/{specimen.pk}/"
    volume = Volume.objects.get(specimen=specimen)
    assert volume.voxel_size == pytest.approx((0.2, 0.1, 0.1))
    assert Section.objects.filter(volume=volume).count() == 4
    assert ImportJob.objects.get(pk=job_id).specimen == specimen
    assert files_under(media_root / "staging") == []


def test_the_job_is_queued_only_and_its_file_staged_until_the_worker_runs(api, manager, media_root):
    response = upload(api(manager), "ri.npy", npy_bytes(ri_stack()))
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == JobStatus.QUEUED
    job = ImportJob.objects.get(pk=body["id"])
    assert job.params["specimen_name"] == "cell-01"
    assert len(job.params["sha256"]) == 64
    staged = files_under(media_root / "staging")
    assert [p.name for p in staged] == ["ri.npy"]
    assert not Volume.objects.exists()


def test_a_tcf_upload_creates_its_paired_fluorescence(
    api, manager, media_root, tmp_path, eager_tasks, django_capture_on_commit_callbacks
):
    content = write_small_tcf(tmp_path / "c.TCF", time_points=2).read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api(manager), "cell.TCF", content, channel="DAPI")
    assert response.status_code == 202
    assert (
        Volume.objects.filter(
            modality="fluorescence", channel="DAPI", paired_with__isnull=False
        ).count()
        == 2
    )


def _bad(name):
    rng = np.random.default_rng(0)
    return {
        "corrupt": ("cell.TCF", rng.bytes(3000), {}, "not a supported image file"),
        "truncated": ("ri.npy", npy_bytes(ri_stack())[:700], {}, "corrupt or incomplete"),
        "wrong dimensionality": ("flat.npy", npy_bytes(ri_stack()[0]), {}, "2D image"),
        "empty": ("empty.npy", b"", {}, "empty"),
        "bad voxel size": (
            "ri.npy",
            npy_bytes(ri_stack()),
            {"voxel_size": "0.2,-1,0.1"},
            "voxel size",
        ),
        "unknown modality": ("ri.npy", npy_bytes(ri_stack()), {"modality": "xray"}, "valid choice"),
        "missing specimen": ("ri.npy", npy_bytes(ri_stack()), {"specimen": ""}, "blank"),
    }[name]


@pytest.mark.parametrize(
    "case",
    [
        "corrupt",
        "truncated",
        "wrong dimensionality",
        "empty",
        "bad voxel size",
        "unknown modality",
        "missing specimen",
    ],
)
def test_a_bad_upload_is_refused_at_once_and_leaves_nothing(case, api, manager, media_root):
    name, content, fields, expected = _bad(case)
    response = upload(api(manager), name, content, **fields)
    assert response.status_code == 400, response.content
    assert expected.lower() in str(response.json()).lower()
    assert not ImportJob.objects.exists()
    assert_nothing_written(media_root)


def test_nan_values_found_by_the_worker_fail_the_job_and_leave_nothing(
    api, manager, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    data = ri_stack()
    data[2, 3, 4] = np.nan
    client = api(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, "nan.npy", npy_bytes(data))
    assert response.status_code == 202
    status = client.get(f"/api/import-jobs/{response.json()['id']}/").json()
    assert status["status"] == JobStatus.FAILED
    assert "NaN" in status["error"]
    assert_nothing_written(media_root)


def test_an_hdf5_upload_without_the_named_dataset_is_refused_listing_what_it_has(
    api, manager, media_root, tmp_path
):
    content = write_h5(tmp_path / "d.h5", "/exp/ri", ri_stack()).read_bytes()
    response = upload(api(manager), "d.h5", content, dataset="/exp/other")
    assert response.status_code == 400
    assert "/exp/ri" in response.json()["detail"]
    assert_nothing_written(media_root)


def test_an_upload_over_the_limit_is_refused_with_its_size(api, manager, media_root, settings):
    settings.MAX_UPLOAD_MB = 1
    content = npy_bytes(ri_stack((6, 256, 256)))  # 1.5 MB
    response = upload(api(manager), "big.npy", content)
    assert response.status_code == 413
    assert "The file is 1.5 MB; the limit is 1 MB" in response.json()["detail"]
    assert_nothing_written(media_root)


def test_a_stain_that_does_not_fit_its_partner_is_refused_at_upload(
    api, manager, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    client = api(manager)
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(client, "ri.npy", npy_bytes(ri_stack())).status_code == 202
    response = upload(
        client,
        "dapi.npy",
        npy_bytes(stain_stack((4, 32, 48))),
        modality="fluorescence",
        channel="DAPI",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "partner_shape_mismatch"
    assert "must match its label-free image" in response.json()["detail"]
    assert Volume.objects.count() == 1
    assert files_under(media_root / "staging") == []


def test_the_same_file_twice_is_refused(
    api, manager, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    client = api(manager)
    content = npy_bytes(ri_stack())
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(client, "ri.npy", content).status_code == 202
    response = upload(client, "again.npy", content, specimen="cell-02")
    assert response.status_code == 409
    assert response.json()["code"] == "already_imported"
    assert "already imported" in response.json()["detail"]
    assert "ri.npy" in response.json()["detail"]
    assert Volume.objects.count() == 1
    assert files_under(media_root / "staging") == []


def test_the_same_file_while_its_first_import_waits_is_refused(api, manager, media_root):
    client = api(manager)
    content = npy_bytes(ri_stack())
    assert upload(client, "ri.npy", content).status_code == 202
    response = upload(client, "ri.npy", content, specimen="cell-02")
    assert response.status_code == 409
    assert response.json()["code"] == "import_in_progress"
    assert "already being imported" in response.json()["detail"]
    assert ImportJob.objects.count() == 1


def test_a_failure_in_the_worker_is_recorded_on_the_job_and_cleans_up(
    api, manager, media_root, eager_tasks, django_capture_on_commit_callbacks, monkeypatch
):
    from annotations.services.imports import importer
    from cellweb.errors import InvalidInput

    def refuse(*args, **kwargs):
        raise InvalidInput("The tomogram could not be stored.")

    monkeypatch.setattr(importer, "volume_create", refuse)
    client = api(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, "ri.npy", npy_bytes(ri_stack()))
    status = client.get(f"/api/import-jobs/{response.json()['id']}/").json()
    assert status["status"] == JobStatus.FAILED
    assert status["error"] == "The tomogram could not be stored."
    assert_nothing_written(media_root)
    assert not Specimen.objects.exists()


def test_the_job_status_has_the_fields_the_page_polls(api, manager, media_root):
    job_id = upload(api(manager), "ri.npy", npy_bytes(ri_stack())).json()["id"]
    body = api(manager).get(f"/api/import-jobs/{job_id}/").json()
    assert {"status", "progress", "message", "error", "result"} <= set(body)


def test_an_unknown_import_job_is_404(api, manager):
    assert api(manager).get("/api/import-jobs/999999/").status_code == 404
    assert api(manager).get("/api/import-jobs/99999999999999999999999/").status_code == 404
