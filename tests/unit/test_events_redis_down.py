"""Redis unreachable (REDIS_URL at a closed port: the broker, the cache that numbers events and
the channel layer all gone): a launch fails its job clearly instead of breaking after its
commit, a run goes on without its live events, and a snapshot still reads."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from cellweb import events
from cellweb.jobs import job_enqueue, job_execute
from tests.jobkind_app.models import Chore
from tests.unit.test_jobs_sweeper import unreachable_broker  # noqa: F401

pytestmark = pytest.mark.django_db

CACHE_DOWN = override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }
)


@CACHE_DOWN
@pytest.mark.usefixtures("unreachable_broker")
def test_a_launch_with_redis_down_fails_its_job_clearly_and_raises_nothing(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        chore = Chore.objects.create()
        job_enqueue("chore", chore)

    chore.refresh_from_db()
    assert chore.status == "failed" and chore.finished_at
    assert chore.error.startswith("The task queue could not be reached (OperationalError")


@CACHE_DOWN
def test_a_run_goes_on_without_its_live_events_when_redis_is_down(heard):
    chore = Chore.objects.create(steps=3)

    assert job_execute("chore", chore.pk, worker="w") == "succeeded"

    chore.refresh_from_db()
    assert chore.result == {"steps": 3} and chore.message == "step 3 of 3"
    assert heard == []  # nothing could be numbered, nothing was sent
    assert events.current_event_seq("chore", chore.pk) == 0


@CACHE_DOWN
@pytest.mark.usefixtures("unreachable_broker")
def test_an_upload_with_redis_down_is_answered_and_its_import_failed_clearly(
    api, manager, project, media_root, django_capture_on_commit_callbacks
):
    from annotations.models import ImportJob
    from tests.data_files import files_under
    from tests.unit.test_jobs_sweeper import _launch_import

    with django_capture_on_commit_callbacks(execute=True):
        _, job_id = _launch_import(api=api, manager=manager)

    job = ImportJob.objects.get(pk=job_id)
    assert job.status == "failed" and "The task queue could not be reached" in job.error
    assert files_under(media_root / "staging") == []  # nothing half-made
