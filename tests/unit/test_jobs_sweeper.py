"""The one sweeper: a silent job of every kind is re-queued or ended, with its event and cleanup;
and an unreachable broker fails a job of every kind clearly, with its event."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from annotations.models import ImportJob
from cellweb.celery import app as celery_app
from cellweb.jobs import job_enqueue, sweeper
from cellweb.jobs.sweeper import LOCK_KEY, jobs_sweep, sweep_if_due
from inference.models import Evaluation, FoldRun, SectionResult, TrainingJob, VolumeResult
from inference.services.evaluation import evaluation_launch, evaluation_run
from inference.services.training import training_job_launch
from tests.data_files import files_under
from tests.helpers_evaluation import make_specimens
from tests.helpers_training import add_specimens, tiny_config, tiny_job_launch
from tests.jobkind_app.models import Chore

pytestmark = pytest.mark.django_db


def baselines_evaluation(project, manager, make_volume, *, queue: bool) -> Evaluation:
    """An evaluation of the rule-based baselines on one small specimen."""
    made = make_specimens(project, make_volume, 1, z=3)
    specimen_ids = [made[0][0].pk]
    return evaluation_launch(
        project=project,
        user=manager,
        model_version_id=None,
        set_kind="specimens",
        set_params={"specimen_ids": specimen_ids},
        queue=queue,
    )


def _silent(settings):
    return timezone.now() - timedelta(seconds=settings.HEARTBEAT_TIMEOUT_S + 30)


def test_one_sweeper_ends_or_requeues_a_silent_job_of_every_kind(
    project,
    manager,
    make_volume,
    media_root,
    settings,
    queued,
    heard,
    django_capture_on_commit_callbacks,
):
    old = _silent(settings)
    staged = media_root / "staging" / "x" / "cell.npy"
    staged.parent.mkdir(parents=True)
    staged.write_bytes(b"staged upload")
    upload = ImportJob.objects.create(
        project=project,
        created_by=manager,
        staged_path="staging/x/cell.npy",
        original_name="cell.npy",
        params={},
        status="running",
        attempts=1,
        heartbeat_at=old,
    )
    evaluation = baselines_evaluation(project, manager, make_volume, queue=False)
    evaluation_run(evaluation_id=evaluation.pk, device="cpu")
    assert SectionResult.objects.filter(evaluation=evaluation).exists()
    # As if its worker died while writing results.
    Evaluation.objects.filter(pk=evaluation.pk).update(status="running", heartbeat_at=old)
    add_specimens(project, make_volume, 2, sections=1, prefix="fold-cell")
    job = tiny_job_launch(project, manager)
    fold = job.folds.get(index=0)
    FoldRun.objects.filter(pk=fold.pk).update(
        status="running", attempts=1, heartbeat_at=old, task_id="lost"
    )
    fresh = Chore.objects.create(status="running", attempts=1, heartbeat_at=timezone.now())
    waiting = Chore.objects.create()

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_sweep() == 3

    upload.refresh_from_db()
    assert upload.status == "failed" and "stopped responding" in upload.error
    assert files_under(media_root / "staging") == []
    evaluation.refresh_from_db()
    assert evaluation.status == "failed" and "no heartbeat" in evaluation.error
    assert not SectionResult.objects.filter(evaluation=evaluation).exists()
    assert not VolumeResult.objects.filter(evaluation=evaluation).exists()
    fold.refresh_from_db()
    assert fold.status == "queued" and fold.task_id != "lost"
    assert "No heartbeat from the worker" in fold.log[-1]["line"]
    ((_, message),) = queued
    assert message["args"] == ["fold", fold.pk] and message["task_id"] == fold.task_id
    assert TrainingJob.objects.get(pk=job.pk).status == "queued"
    assert Chore.objects.get(pk=fresh.pk).status == "running"
    assert Chore.objects.get(pk=waiting.pk).status == "queued"

    by_group = {}
    for group, event in heard:
        by_group.setdefault(group, []).append(event)
    failed = {"type": "job_status", "status": "failed"}.items()
    assert failed <= by_group[f"job.import.{upload.pk}"][-1].items()
    assert by_group[f"job.evaluation.{evaluation.pk}"][-1]["status"] == "failed"
    requeued = by_group[f"job.training.{job.pk}"][-1]
    assert requeued["type"] == "fold_status" and requeued["fold"] == 0
    assert requeued["status"] == "queued" and requeued["kind"] == "training"


def test_one_process_sweeps_per_interval():
    cache.delete(LOCK_KEY)
    assert sweep_if_due() == 0
    assert sweep_if_due() is None  # another process (here: the same) swept a moment ago
    cache.delete(LOCK_KEY)


def test_the_web_process_runs_the_sweeper_from_start_up_to_shut_down(monkeypatch):
    calls = []
    monkeypatch.setattr(sweeper, "start_sweeper", lambda where: calls.append(("start", where)))
    monkeypatch.setattr(sweeper, "stop_sweeper", lambda: calls.append(("stop",)))
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    answers = []

    async def receive():
        return incoming.pop(0)

    async def send(message):
        answers.append(message["type"])

    asyncio.run(sweeper.SweeperLifespan()({"type": "lifespan"}, receive, send))
    assert calls == [("start", "web"), ("stop",)]
    assert answers == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


# ---------------------------------------------------------------------------------------------
# An unreachable broker


@pytest.fixture
def unreachable_broker():
    """The task queue's broker at a port where nothing listens, for this test only.

    Kombu keeps trying a refused connection for ``broker_connection_timeout`` (4 s) before it
    raises; ``max_retries: 0`` makes it raise the same OperationalError after the first refusal.
    """
    conf = celery_app.conf
    keys = ("broker_url", "broker_connection_retry", "task_publish_retry")
    saved = {key: conf[key] for key in (*keys, "broker_transport_options")}
    conf.broker_url = "redis://127.0.0.1:9/0"
    conf.broker_connection_retry = False
    conf.task_publish_retry = False
    conf.broker_transport_options = {**(saved["broker_transport_options"] or {}), "max_retries": 0}
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    for key, value in saved.items():
        conf[key] = value
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _launch_chore(**_):
    with transaction.atomic():
        chore = Chore.objects.create()
        job_enqueue("chore", chore)
    return "chore", chore.pk


def _launch_evaluation(project, manager, make_volume, **_):
    return "evaluation", baselines_evaluation(project, manager, make_volume, queue=True).pk


def _launch_training(project, manager, make_volume, **_):
    add_specimens(project, make_volume, 2, sections=1)
    job = training_job_launch(project=project, user=manager, config=tiny_config())
    return "training", job.pk


def _launch_import(api, manager, **_):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.api.test_import_api import npy_bytes
    from tests.data_files import ri_stack

    response = api(manager).post(
        "/api/projects/lab/imports/",
        {
            "file": SimpleUploadedFile("ri.npy", npy_bytes(ri_stack())),
            "specimen": "cell-01",
            "modality": "ri",
        },
        format="multipart",
    )
    assert response.status_code == 202, response.content
    return "import", response.json()["id"]


@pytest.mark.parametrize(
    "launch", [_launch_chore, _launch_import, _launch_evaluation, _launch_training]
)
def test_an_unreachable_broker_fails_a_job_of_every_kind_clearly_with_its_event(
    launch,
    project,
    manager,
    make_volume,
    api,
    media_root,
    heard,
    unreachable_broker,
    django_capture_on_commit_callbacks,
):
    from cellweb.jobs import get_kind

    with django_capture_on_commit_callbacks(execute=True):
        kind, job_id = launch(project=project, manager=manager, make_volume=make_volume, api=api)

    job = get_kind(kind).model.objects.get(pk=job_id)
    assert job.status == "failed", job.error
    rows = [job] if kind != "training" else list(job.folds.all())
    for row in rows:
        assert row.status == "failed" and row.finished_at
        assert "The task queue could not be reached (OperationalError" in row.error
    group_events = [e for group, e in heard if group == f"job.{kind}.{job_id}"]
    final = [e for e in group_events if e["type"] == "job_status"][-1]
    assert final["status"] == "failed" and final["kind"] == kind and final["id"] == job_id
    if kind == "training":
        assert "fold 1 failed: The task queue could not be reached" in job.error
        assert {e["fold"] for e in group_events if e["type"] == "fold_status"} == {0, 1}
    if kind == "import":
        assert files_under(media_root / "staging") == []
