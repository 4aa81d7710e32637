"""The job framework with real processes: a new kind on a real worker, two workers and one
claim, an import followed over the websocket, and the web process sweeping with no worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from annotations.models import ImportJob
from cellweb.celery import app as celery_app
from cellweb.jobs import job_enqueue
from cellweb.jobs.tasks import run_job
from inference.models import Evaluation, FoldRun
from inference.services.training import training_job_launch
from tests.api.test_import_api import npy_bytes
from tests.data_files import ri_stack
from tests.fixtures_live import start_asgi_server
from tests.helpers_jobs import wait_until
from tests.helpers_training import add_specimens, tiny_config
from tests.integration.test_training_websocket import assert_succeeded, watch_job
from tests.jobkind_app.models import Chore

pytestmark = pytest.mark.integration


def test_a_new_kind_with_only_a_model_and_work_runs_end_to_end_on_a_real_worker(celery_worker):
    with transaction.atomic():
        chore = Chore.objects.create(steps=3, pause_s=0.1)
        job_enqueue("chore", chore)

    chore = wait_until(
        lambda: Chore.objects.filter(pk=chore.pk, status__in=["succeeded", "failed"]).first(),
        what="the chore",
    )

    assert chore.status == "succeeded", (chore.error, celery_worker.log_text()[-2000:])
    assert chore.result == {"steps": 3} and chore.progress == 1.0 and chore.message == "step 3 of 3"
    assert (chore.runs, chore.attempts) == (1, 1)
    assert any("started on worker-" in line["line"] for line in chore.log)


def test_two_workers_get_the_same_job_and_only_one_claims_it(worker_factory):
    celery_app.control.purge()
    first, second = worker_factory(name="claim-a"), worker_factory(name="claim-b")
    with transaction.atomic():
        chore = Chore.objects.create(steps=6, pause_s=0.3)
        job_enqueue("chore", chore)
    # The same message again, as the broker hands it out after its visibility timeout.
    run_job.apply_async(args=["chore", chore.pk], task_id=chore.task_id, queue="celery")

    chore = wait_until(
        lambda: Chore.objects.filter(pk=chore.pk, status="succeeded").first(), what="the chore"
    )
    wait_until(lambda: (first.log_text() + second.log_text()).count("succeeded in") >= 2)
    logs = first.log_text() + second.log_text()
    assert (chore.runs, chore.attempts) == (1, 1), logs[-3000:]
    assert "'skipped'" in logs and "'succeeded'" in logs


def test_an_imports_progress_and_end_arrive_over_its_websocket(
    asgi_server, worker_factory, api, manager, media_root
):
    celery_app.control.purge()
    response = api(manager).post(
        "/api/projects/lab/imports/",
        {
            "file": SimpleUploadedFile("ri.npy", npy_bytes(ri_stack((6, 64, 64)))),
            "specimen": "cell-01",
            "modality": "ri",
        },
        format="multipart",
    )
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    snapshot, events, worker = watch_job(asgi_server, worker_factory, "import", job_id, timeout=90)

    assert snapshot["job"]["id"] == job_id and snapshot["job"]["status"] == "queued"
    assert all(e["kind"] == "import" and e["id"] == job_id for e in events)
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and all(s > snapshot["job"]["seq"] for s in seqs)
    progress = [e for e in events if e["type"] == "progress"]
    assert progress and progress[0]["message"].startswith("Checking")
    assert progress[-1]["progress"] == 1.0
    final = events[-1]
    assert_succeeded(final, worker)
    assert final["result"]["sections_count"] == 6 and final["specimen_url"]


def test_the_web_process_sweeps_a_silent_job_of_every_kind_with_no_worker_alive(
    transactional_db, project, manager, make_volume, settings
):
    celery_app.control.purge()
    server = start_asgi_server(extra_env={"CELLWEB_HEARTBEAT_TIMEOUT": "5"})
    try:
        long_ago = timezone.now() - timedelta(minutes=10)
        upload = ImportJob.objects.create(
            project=project,
            created_by=manager,
            original_name="cell.npy",
            params={},
            status="running",
            attempts=1,
            heartbeat_at=long_ago,
        )
        evaluation = Evaluation.objects.create(
            project=project,
            created_by=manager,
            set_kind="specimens",
            status="running",
            attempts=1,
            heartbeat_at=long_ago,
        )
        add_specimens(project, make_volume, 2, sections=1)
        job = training_job_launch(project=project, user=manager, config=tiny_config(), queue=False)
        fold = job.folds.get(index=0)
        FoldRun.objects.filter(pk=fold.pk).update(
            status="running", attempts=1, heartbeat_at=long_ago, task_id="dead-worker"
        )

        def swept():
            upload.refresh_from_db()
            evaluation.refresh_from_db()
            fold.refresh_from_db()
            return upload.is_final and evaluation.is_final and fold.status == "queued"

        wait_until(swept, timeout=30, what=f"the sweep ({server.process.log_text()[-2000:]})")
    finally:
        server.process.stop()
        celery_app.control.purge()  # the re-queued fold: no worker will ever take it

    assert upload.status == "failed" and "stopped responding" in upload.error
    assert evaluation.status == "failed" and "stopped responding" in evaluation.error
    assert fold.task_id != "dead-worker" and "re-queued" in fold.message
