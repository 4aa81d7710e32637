"""A live page's snapshot (``cellweb.jobs.snapshot``) and the job page every project job shares
(``annotations.views.context.job_page``): the row is read again after the event number, so a
stale object never shows, and an outsider never learns the job exists."""

from __future__ import annotations

import pytest

from annotations.models import ImportJob
from cellweb.events import next_event_seq
from cellweb.jobs import get_kind
from cellweb.jobs.snapshot import live_snapshot
from inference.models import ModelImportJob


@pytest.fixture
def import_job(project, manager):
    return ImportJob.objects.create(
        project=project,
        created_by=manager,
        original_name="cell.tif",
        params={"specimen_name": "cell", "modality": "ri"},
    )


@pytest.mark.django_db
def test_the_snapshot_reads_the_row_after_its_event_number(import_job, manager):
    stale = ImportJob.objects.get(pk=import_job.pk)
    ImportJob.objects.filter(pk=import_job.pk).update(message="Reading plane 3 of 9", progress=0.3)
    seq = next_event_seq("import", import_job.pk)
    snapshot = live_snapshot("import", stale, lambda job: {"message": job.message})
    assert snapshot["message"] == "Reading plane 3 of 9"
    assert snapshot["seq"] == seq
    assert snapshot["cancel_requested"] is False and snapshot["cancelled_by"] is None


@pytest.mark.django_db
def test_every_watched_kind_answers_its_snapshot_with_seq_and_who_cancelled(
    import_job, project, manager
):
    model_import = ModelImportJob.objects.create(
        project=project, created_by=manager, original_name="net.zip", name="imported"
    )
    ModelImportJob.objects.filter(pk=model_import.pk).update(
        cancel_requested=True, cancelled_by=manager, message="Cancelled"
    )
    for kind, job in (("import", import_job), ("model_import", model_import)):
        seq = next_event_seq(kind, job.pk)
        snapshot = get_kind(kind).snapshot(job)
        assert snapshot["id"] == job.pk and snapshot["seq"] == seq
    assert snapshot["cancelled_by"] == manager.username
    assert snapshot["message"] == "Cancelled"


@pytest.mark.django_db
def test_the_job_pages_show_the_kind_and_hide_it_from_outsiders(
    client, import_job, project, manager, outsider
):
    model_import = ModelImportJob.objects.create(
        project=project, created_by=manager, original_name="net.zip", name="imported"
    )
    pages = (
        (f"/imports/{import_job.pk}/", "/ws/jobs/import/", f"/projects/{project.slug}/"),
        (f"/model-imports/{model_import.pk}/", "/ws/jobs/model_import/", "net.zip"),
    )
    for url, socket, shown in pages:
        client.force_login(manager)
        page = client.get(url)
        assert page.status_code == 200
        assert socket in page.content.decode() and shown in page.content.decode()
        client.force_login(outsider)
        assert client.get(url).status_code == 404
