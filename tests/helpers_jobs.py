"""Fixtures for job tests: what the framework sends to the broker and what it publishes live."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from cellweb import events
from tests.data_files import files_under
from tests.polling import wait_until


@pytest.fixture
def queued(monkeypatch):
    """Every message sent to the broker instead of sending it, as (args, kwargs)."""
    from cellweb.jobs.tasks import run_job

    sent = []
    monkeypatch.setattr(run_job, "apply_async", lambda *a, **k: sent.append((a, k)))
    return sent


@pytest.fixture
def heard(monkeypatch):
    """Every live event, as (group, event)."""
    published = []
    monkeypatch.setattr(events, "send_now", lambda group, event: published.append((group, event)))
    return published


def cleaned_up(folder, *, timeout: float = 15.0) -> list:
    """The files left under ``folder`` once a finished job's cleanup had its chance: the cleanup
    runs just after the commit that makes the job final, so a reader can see the job finished
    a moment before its staged files are gone. Waits until none is left, or ``timeout``."""
    deadline = time.monotonic() + timeout
    while files_under(folder) and time.monotonic() < deadline:
        time.sleep(0.1)
    return files_under(folder)


def poll_job(
    model,
    job_id: int,
    *,
    timeout: float,
    until: Callable | None = None,
    failure: Callable | None = None,
):
    """The row once it is final (or ``until(row)`` holds); past ``timeout`` fail with
    ``failure(row)``, which says what the row had got to (by default: its status)."""

    def reached():
        row = model.objects.get(pk=job_id)
        return row if (until(row) if until else row.is_final) else None

    def said(row) -> str:
        if failure is not None:
            return failure(row)
        return f"{model._meta.verbose_name} {job_id} did not finish in {timeout} s: {row.status}"

    return wait_until(reached, timeout=timeout, what=lambda: said(model.objects.get(pk=job_id)))
