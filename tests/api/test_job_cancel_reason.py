"""Who cancelled a job, when and why: recorded by every cancel endpoint, answered by the job's
API and shown on its page; a refused cancel records nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from annotations.models import ImportJob, Membership, Role
from cellweb.jobs import job_cancel
from cellweb.jobs.cancel_note import job_cancel_time
from inference.models import Evaluation, TrainingJob
from tests.conftest import signed_in
from tests.helpers_evaluation import launch_evaluation
from tests.helpers_evaluation import two_stained_specimens as _data  # noqa: F401 (``data``)
from tests.helpers_training import TINY, add_specimens


@pytest.fixture
def cells(project, make_volume):
    return add_specimens(project, make_volume, 4, sections=2)


@pytest.fixture
def training(api, project, manager, cells, queued):
    """A training job launched by the manager, its first fold running, the others queued."""
    response = api(manager).post(
        f"/api/projects/{project.slug}/training-jobs/", TINY, format="json"
    )
    job = TrainingJob.objects.get(pk=response.json()["id"])
    first = job.folds.order_by("index").first()
    first.status = "running"
    first.started_at = timezone.now()
    first.save(update_fields=["status", "started_at"])
    return job


def _nothing_recorded(row) -> None:
    row.refresh_from_db()
    assert not row.cancel_requested and row.cancelled_by is None
    assert row.cancel_requested_at is None and row.cancel_reason == ""


def test_a_training_job_records_who_and_why_and_its_folds_that_it_was_cancelled(
    api, manager, training, django_capture_on_commit_callbacks
):
    url = f"/api/training-jobs/{training.pk}/cancel/"
    with django_capture_on_commit_callbacks(execute=True):
        body = api(manager).post(url, {"reason": "  wrong snapshot\n"}, format="json").json()

    training.refresh_from_db()
    assert training.cancelled_by == manager and training.cancel_reason == "wrong snapshot"
    at = job_cancel_time(training.cancel_requested_at)
    assert at.endswith(" UTC")
    assert body["cancelled_by"] == "mona" and body["cancel_reason"] == "wrong snapshot"
    assert body["cancel_requested_at"] == training.cancel_requested_at.isoformat()
    # The first fold is still running: the job has only been asked to stop.
    assert body["status"] != "cancelled"
    assert body["cancel_note"] == f"Cancel requested by mona at {at} — wrong snapshot"
    folds = list(training.folds.order_by("index"))
    assert [f.status for f in folds] == ["running"] + ["cancelled"] * (len(folds) - 1)
    for fold in folds:
        assert fold.cancelled_by is None and fold.cancel_reason == "training job cancelled"
        assert fold.cancel_requested_at == training.cancel_requested_at
    notes = {f["status"]: f["cancel_note"] for f in body["folds"]}
    assert notes["cancelled"] == f"Cancelled by the system at {at} — training job cancelled"
    assert notes["running"] == f"Cancel requested by the system at {at} — training job cancelled"

    # The running fold stops; the job gathers into cancelled and says who and why.
    with django_capture_on_commit_callbacks(execute=True):
        job_cancel("fold", job=folds[0], user=None, stop_running_now=True)
    detail = api(manager).get(f"/api/training-jobs/{training.pk}/").json()
    assert detail["status"] == "cancelled"
    assert detail["cancel_note"] == f"Cancelled by mona at {at} — wrong snapshot"
    page = signed_in(manager).get(f"/training-jobs/{training.pk}/").content.decode()
    assert f"Cancelled by mona at {at} — wrong snapshot" in page


def test_a_cancel_without_a_reason_records_who_and_when(api, manager, training):
    body = api(manager).post(f"/api/training-jobs/{training.pk}/cancel/").json()
    training.refresh_from_db()
    at = job_cancel_time(training.cancel_requested_at)
    assert body["cancel_reason"] is None
    assert body["cancel_note"] == f"Cancel requested by mona at {at}"


def test_a_too_long_reason_is_refused_and_nothing_is_recorded(api, manager, training):
    url = f"/api/training-jobs/{training.pk}/cancel/"
    response = api(manager).post(url, {"reason": "x" * 501}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    assert api(manager).post(url, {"why": "typo"}, format="json").status_code == 400
    training.refresh_from_db()
    assert training.status == "queued"
    _nothing_recorded(training)
    for fold in training.folds.all():
        assert fold.status in {"queued", "running"}
        _nothing_recorded(fold)
    # 500 characters once trimmed are kept.
    ok = api(manager).post(url, {"reason": " " + "y" * 500 + " "}, format="json")
    assert ok.status_code == 200 and ok.json()["cancel_reason"] == "y" * 500


def test_someone_not_allowed_is_refused_and_nothing_is_recorded(api, manager, annotator, training):
    url = f"/api/training-jobs/{training.pk}/cancel/"
    response = api(annotator).post(url, {"reason": "mine now"}, format="json")
    assert response.status_code == 403
    _nothing_recorded(training)
    for fold in training.folds.all():
        _nothing_recorded(fold)


def test_an_evaluation_cancel_is_recorded_and_shown_with_or_without_a_reason(
    api, project, manager, annotator, data, heard, django_capture_on_commit_callbacks
):
    first = launch_evaluation(project, manager, specimens=[data[0][0]])
    url = f"/api/evaluations/{first.pk}/cancel/"
    assert api(annotator).post(url, {"reason": "no"}, format="json").status_code == 403
    _nothing_recorded(first)
    with django_capture_on_commit_callbacks(execute=True):
        body = api(manager).post(url, {"reason": "GPU needed"}, format="json").json()
    first.refresh_from_db()
    at = job_cancel_time(first.cancel_requested_at)
    assert body["status"] == "cancelled" and body["cancelled_by"] == "mona"
    assert body["cancel_note"] == f"Cancelled by mona at {at} — GPU needed"
    # The live page hears the same from the status event of its end.
    final = [e for _, e in heard if e["type"] == "job_status"][-1]
    assert final["status"] == "cancelled" and final["cancelled_by"] == "mona"
    assert final["cancel_note"] == body["cancel_note"]
    page = signed_in(annotator).get(f"/evaluations/{first.pk}/").content.decode()
    assert f"Cancelled by mona at {at} — GPU needed" in page

    second = launch_evaluation(project, manager, specimens=[data[0][0]])
    body = api(manager).post(f"/api/evaluations/{second.pk}/cancel/").json()
    second = Evaluation.objects.get(pk=second.pk)
    at = job_cancel_time(second.cancel_requested_at)
    assert body["cancel_reason"] is None and body["cancel_note"] == f"Cancelled by mona at {at}"


def test_an_import_is_cancelled_with_a_reason_by_whoever_may_see_it(
    api, project, manager, annotator
):
    job = ImportJob.objects.create(
        project=project,
        created_by=manager,
        original_name="cell.tif",
        params={"specimen_name": "cell", "modality": "ri"},
    )
    url = f"/api/import-jobs/{job.pk}/cancel/"
    assert api(annotator).post(url, {"reason": "dup"}, format="json").status_code == 403
    _nothing_recorded(job)
    assert api(manager).post(url, {"reason": "z" * 600}, format="json").status_code == 400
    _nothing_recorded(job)

    body = api(manager).post(url, {"reason": "wrong file"}, format="json").json()
    job.refresh_from_db()
    at = job_cancel_time(job.cancel_requested_at)
    assert body["status"] == "cancelled" and body["cancelled_by"] == "mona"
    assert body["cancel_note"] == f"Cancelled by mona at {at} — wrong file"
    assert api(manager).get(f"/api/import-jobs/{job.pk}/").json()["cancel_reason"] == "wrong file"
    page = signed_in(manager).get(f"/imports/{job.pk}/").content.decode()
    assert f"Cancelled by mona at {at} — wrong file" in page
    assert api(manager).post(url).status_code == 409


def test_a_cancel_by_a_user_deleted_since_names_them_not_the_system(api, project, manager):
    kim = get_user_model().objects.create_user(username="kim", password="x")
    Membership.objects.create(project=project, user=kim, role=Role.MANAGER)
    job = ImportJob.objects.create(
        project=project,
        created_by=kim,
        original_name="cell.tif",
        params={"specimen_name": "cell", "modality": "ri"},
    )
    api(kim).post(f"/api/import-jobs/{job.pk}/cancel/", {"reason": "dup"}, format="json")
    kim.delete()

    job.refresh_from_db()
    at = job_cancel_time(job.cancel_requested_at)
    assert job.cancelled_by is None and job.cancelled_by_name == "kim"
    body = api(manager).get(f"/api/import-jobs/{job.pk}/").json()
    assert body["cancelled_by"] == "kim"
    assert body["cancel_note"] == f"Cancelled by kim (a deleted user) at {at} — dup"
    page = signed_in(manager).get(f"/imports/{job.pk}/").content.decode()
    assert f"Cancelled by kim (a deleted user) at {at} — dup" in page
    assert "by the system" not in page
