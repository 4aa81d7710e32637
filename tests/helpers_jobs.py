"""Fixtures for job tests: what the framework sends to the broker and what it publishes live."""

from __future__ import annotations

import pytest

from cellweb import events


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
