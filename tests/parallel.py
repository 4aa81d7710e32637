"""A parallel test run (``pytest -n 2``, pytest-xdist): what keeps its workers apart.

Each worker gets a test database (pytest-django) and a Redis database of its own, so the Celery
worker, ASGI server and browser a test starts on one worker never take the other's tasks, events
or sessions. Tests are shared out one by one (``--dist load``), those that start processes
included: both workers may run one at a time each. (They were once kept on one worker with
``--dist loadgroup``; pytest-xdist 3.8 under pytest 9.2 ignores the groups, so they already
ran on both workers, and one kept worker would only make that worker the run's bound.)
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16


def redis_database_for_worker(url: str, worker: str) -> str:
    """``url`` with the database after the run's own: ``/0`` for "gw0" becomes ``/1``, "gw1" ``/2``
    (modulo Redis's 16 databases)."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    number = int(worker.removeprefix("gw"))
    database = (base + number + 1) % REDIS_DATABASES
    return urlunsplit(parts._replace(path=f"/{database}"))
