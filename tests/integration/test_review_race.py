"""Two reviewers confirming the same section at the same moment: one wins, the other sees it.

Real concurrency: two threads, each with its own database connection, committed data
(``transactional_db``). The read of the current version is slowed down so that, without the
section lock, both requests would read "no version yet" and collide.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from rest_framework.test import APIClient

from annotations.models import AuditEvent, GroundTruth, ReviewAction, Role
from annotations.services.review import standing as standing_module
from tests.conftest import _member
from tests.review_support import sections_of, with_consensus

pytestmark = pytest.mark.integration

SHAPE = (32, 32)


@pytest.fixture
def ready(transactional_db, specimen, make_volume, cast):
    return with_consensus(sections_of(specimen, make_volume)[0], cast)


def test_two_reviewers_confirming_at_once_one_wins_the_other_gets_409(
    ready, reviewer, project, monkeypatch
):
    section, consensus = ready
    second_reviewer = _member(project, "ruth", Role.REVIEWER)
    read_current = standing_module.current_consensus_truth

    def slow_read(section):
        current = read_current(section)
        time.sleep(0.3)  # both requests are inside review_confirm now
        return current

    monkeypatch.setattr(standing_module, "current_consensus_truth", slow_read)
    start = threading.Barrier(2)
    results: dict[str, object] = {}

    def confirm(user):
        client = APIClient()
        client.force_authenticate(user)
        try:
            start.wait(timeout=10)
            response = client.post(
                f"/api/sections/{section.pk}/review/confirm/",
                {"consensus_id": consensus.pk, "edited": False, "base_version": None},
                format="json",
            )
            results[user.username] = (response.status_code, response.json())
        except Exception as exc:  # reported below: a thread must not die silently
            results[user.username] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=confirm, args=(user,)) for user in (reviewer, second_reviewer)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(r, tuple) for r in results.values()), results
    statuses = sorted(status for status, _ in results.values())
    assert statuses == [200, 409], results
    (winner_name, (_, winner)) = next((n, r) for n, r in results.items() if r[0] == 200)
    (_, (_, loser)) = next((n, r) for n, r in results.items() if r[0] == 409)
    assert loser["current"]["version"] == winner["version"] == 1
    assert loser["current"]["reviewer"] == winner_name == winner["reviewer"]
    assert loser["current"]["mask_png"] == winner["mask_png"]
    assert loser["current"]["confirmed_at"] is not None
    assert winner_name in loser["detail"]
    assert GroundTruth.objects.filter(section=section).count() == 1
    assert AuditEvent.objects.filter(section=section, action=ReviewAction.CONFIRM).count() == 1
