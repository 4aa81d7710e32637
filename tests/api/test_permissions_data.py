"""Every data page and endpoint checks the role: outsiders get 404, members lacking the role 403."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from annotations.models import ImportJob
from tests.data_files import ri_stack

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(project, specimen, make_volume, manager):
    ri = make_volume(specimen)
    fl = make_volume(specimen, modality="fluorescence", channel="DAPI", seed=2)
    section = ri.sections.get(z=1)
    job = ImportJob.objects.create(
        project=project, created_by=manager, original_name="x.npy", params={}
    )
    return {
        "specimen": specimen,
        "volume": ri,
        "section": section,
        "fl_section": fl.sections.first(),
        "job": job,
    }


def _npy_upload() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    np.save(buffer, ri_stack())
    return SimpleUploadedFile("ri.npy", buffer.getvalue())


def read_endpoints(d) -> list[str]:
    return [
        "/api/projects/lab/",
        "/api/projects/lab/specimens/",
        f"/api/specimens/{d['specimen'].pk}/",
        f"/api/volumes/{d['volume'].pk}/",
        f"/api/sections/{d['section'].pk}/",
        f"/api/sections/{d['section'].pk}/image.png",
        f"/api/sections/{d['fl_section'].pk}/image.png?size=16",
        f"/api/import-jobs/{d['job'].pk}/",
    ]


def pages(d) -> list[str]:
    return [
        "/projects/lab/",
        "/projects/lab/import/",
        "/projects/lab/settings/",
        f"/imports/{d['job'].pk}/",
        f"/specimens/{d['specimen'].pk}/",
    ]


def test_an_outsider_gets_404_from_every_endpoint(api, outsider, data, media_root):
    client = api(outsider)
    for url in read_endpoints(data):
        assert client.get(url).status_code == 404, url
    assert (
        client.patch("/api/projects/lab/", {"required_annotations": 1}, format="json").status_code
        == 404
    )
    response = client.post(
        "/api/projects/lab/imports/",
        {"file": _npy_upload(), "specimen": "x", "modality": "ri"},
        format="multipart",
    )
    assert response.status_code == 404
    assert client.get("/api/projects/").json() == []


def test_an_outsider_gets_404_from_every_page(outsider, data):
    client = Client()
    client.force_login(outsider)
    for url in pages(data):
        assert client.get(url).status_code == 404, url
    assert "Lab project" not in client.get("/").content.decode()


def test_members_of_any_role_may_browse(api, annotator, reviewer, data):
    for user in (annotator, reviewer):
        client = api(user)
        for url in read_endpoints(data)[:-1]:
            assert client.get(url).status_code == 200, (user, url)


def test_an_annotator_may_not_import_or_change_settings(api, annotator, data, media_root):
    client = api(annotator)
    response = client.post(
        "/api/projects/lab/imports/",
        {"file": _npy_upload(), "specimen": "x", "modality": "ri"},
        format="multipart",
    )
    assert response.status_code == 403
    assert "manager" in response.json()["detail"]
    assert (
        client.patch("/api/projects/lab/", {"required_annotations": 1}, format="json").status_code
        == 403
    )
    assert client.get(f"/api/import-jobs/{data['job'].pk}/").status_code == 403
    assert not ImportJob.objects.exclude(pk=data["job"].pk).exists()


def test_an_annotator_gets_403_from_the_manager_pages(annotator, data):
    client = Client()
    client.force_login(annotator)
    for url in ("/projects/lab/import/", "/projects/lab/settings/", f"/imports/{data['job'].pk}/"):
        assert client.get(url).status_code == 403, url
    assert client.post("/projects/lab/settings/", {"required_annotations": 1}).status_code == 403
    assert client.get("/projects/lab/").status_code == 200
    assert client.get(f"/specimens/{data['specimen'].pk}/").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(data):
    client = Client()
    for url in ["/", *pages(data)]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for url in read_endpoints(data):
        assert client.get(url).status_code in (401, 403), url
