"""An import whose specimen was deleted since: its page, its API answer and the recent imports
say so, and nothing links to the specimen's page any more."""

from __future__ import annotations

import pytest
from django.db import transaction

from annotations.models import Specimen
from annotations.services.specimen_removal import specimen_delete
from tests.api.test_import_api import npy_bytes, upload
from tests.conftest import signed_in
from tests.data_files import ri_stack

pytestmark = pytest.mark.django_db


def test_an_import_page_says_that_its_specimen_was_deleted_since(
    api, manager, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    client = api(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, "ri.npy", npy_bytes(ri_stack()))
    job_id = response.json()["id"]
    specimen = Specimen.objects.get(name="cell-01")
    before = client.get(f"/api/import-jobs/{job_id}/").json()
    assert before["specimen_url"] == f"/specimens/{specimen.pk}/"
    assert before["specimen_deleted"] is False

    with transaction.atomic():
        specimen_delete(specimen=specimen)

    after = client.get(f"/api/import-jobs/{job_id}/").json()
    assert after["status"] == "succeeded"
    assert after["specimen_url"] is None and after["specimen_deleted"] is True
    page = signed_in(manager).get(f"/imports/{job_id}/").content.decode()
    assert (
        "Specimen “cell-01” was deleted after this import, with its volumes and sections." in page
    )
    # Nothing links to it.
    assert f'href="/specimens/{specimen.pk}/"' not in page
    assert '"specimen_deleted": true' in page  # the live page's config says it too
    form = signed_in(manager).get("/projects/lab/import/").content.decode()
    assert 'cell-01 <small class="cw-muted">(deleted since)</small>' in form


def test_an_imports_warnings_about_a_deleted_specimen_are_said_to_no_longer_apply(
    api, manager, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    """A stack without a voxel size is warned about with the specimen's page as its path; once
    the specimen is deleted, neither the page (nor its live config) nor the API name that path
    as if it were still there: they say the warnings were about the deleted specimen."""
    client = api(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, "ri.npy", npy_bytes(ri_stack()))
    job_id = response.json()["id"]
    specimen = Specimen.objects.get(name="cell-01")
    path = f"/specimens/{specimen.pk}/"
    before = client.get(f"/api/import-jobs/{job_id}/").json()["result"]
    assert [w for w in before["warnings"] if path in w]

    with transaction.atomic():
        specimen_delete(specimen=specimen)

    after = client.get(f"/api/import-jobs/{job_id}/").json()["result"]
    assert after["warnings"] == []
    said = "1 warning of this import was about specimen “cell-01”, deleted since: it no longer applies."
    assert said in after["notes"]
    page = signed_in(manager).get(f"/imports/{job_id}/").content.decode()
    assert path not in page
    assert said.replace("“", "&ldquo;") in page or said in page
