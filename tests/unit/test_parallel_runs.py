"""The workers of a parallel test run keep apart: each its own Redis database."""

from __future__ import annotations

import pytest

from tests.parallel import redis_database_for_worker


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/0", "gw0", "redis://127.0.0.1:6379/1"),
        ("redis://127.0.0.1:6379/0", "gw1", "redis://127.0.0.1:6379/2"),
        ("redis://127.0.0.1:6379", "gw0", "redis://127.0.0.1:6379/1"),
        ("redis://:secret@cache:6380/15", "gw0", "redis://:secret@cache:6380/0"),
    ],
)
def test_each_worker_gets_the_next_database(url, worker, expected):
    assert redis_database_for_worker(url, worker) == expected
