"""A parallel test run (``pytest -n 2``, pytest-xdist): what keeps its workers apart.

Each worker gets a Redis database of its own (so a worker's Celery worker never takes the other's
tasks), and the tests that start real processes (a Celery worker, an ASGI server, Chromium) run
one after another on one worker, so that their waits are not squeezed by two of them at once.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

# The fixtures that start real processes (tests/fixtures_live.py).
LIVE_FIXTURES = {
    "celery_worker",
    "worker_factory",
    "asgi_server",
    "shared_asgi_server",
    "browser",
    "page",
}
LIVE_GROUP = "live-processes"
REDIS_DATABASES = 16


def redis_database_for_worker(url: str, worker: str) -> str:
    """``url`` with the database after the run's own: ``/0`` for "gw0" becomes ``/1``, "gw1" ``/2``
    (modulo Redis's 16 databases)."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    number = int(worker.removeprefix("gw"))
    database = (base + number + 1) % REDIS_DATABASES
    return urlunsplit(parts._replace(path=f"/{database}"))


def starts_processes(item) -> bool:
    """Whether a collected test starts real processes, by its fixtures or its folder."""
    folder = item.path.parent.name
    return folder in {"e2e", "integration"} or bool(LIVE_FIXTURES & set(item.fixturenames))
