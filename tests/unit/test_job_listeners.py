"""Job listeners: code of another app hears a kind's jobs end, after commit, however they end,
and a failing listener neither undoes the end nor silences the others."""

from __future__ import annotations

import pytest
from django.db import transaction

from cellweb.jobs import job_cancel, job_enqueue, job_execute, job_listener_register
from cellweb.jobs import listeners as registry
from tests.jobkind_app.models import Chore

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard_ends(monkeypatch):
    monkeypatch.setattr(registry, "_LISTENERS", registry.defaultdict(list))
    ended = []

    def broken(job):
        raise RuntimeError("a listener's own bug")

    job_listener_register("chore", broken)
    job_listener_register("chore", lambda job: ended.append((job.pk, job.status)))
    return ended


def test_a_listener_hears_a_job_succeed_only_once_it_is_committed(
    heard_ends, django_capture_on_commit_callbacks
):
    chore = Chore.objects.create(steps=1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job_execute("chore", chore.pk, worker="w1")
    assert heard_ends == []
    for callback in callbacks:
        callback()
    assert heard_ends == [(chore.pk, "succeeded")]
    assert Chore.objects.get(pk=chore.pk).status == "succeeded"


def test_a_listener_hears_a_cancel_and_not_another_kind(
    heard_ends, queued, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        chore = Chore.objects.create()
        job_enqueue("chore", chore)
    with django_capture_on_commit_callbacks(execute=True):
        job_cancel("chore", job=chore, user=None)
    assert heard_ends == [(chore.pk, "cancelled")]
    job_listener_register("other", lambda job: heard_ends.append("wrong kind"))
    assert heard_ends == [(chore.pk, "cancelled")]
