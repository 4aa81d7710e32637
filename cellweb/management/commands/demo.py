"""Serve CellWeb for a lab on one machine: the ASGI site plus, on embedded defaults, a worker.

With ``REDIS_URL`` unset the task queue and the channel layer are in-process, so the worker runs
as threads of this process. With Redis configured, run ``celery -A cellweb worker -Q celery,gpu``
separately (see docker/) and this command only serves the site.
"""

from __future__ import annotations

import threading

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand

from cellweb.celery import app as celery_app


def start_embedded_worker(concurrency: int = 2) -> threading.Thread:
    """Run a Celery worker inside this process (memory broker), consuming both queues."""
    worker = celery_app.WorkController(
        pool_cls="threads",
        concurrency=concurrency,
        queues=["celery", "gpu"],
        loglevel="INFO",
        without_heartbeat=True,
        without_mingle=True,
        without_gossip=True,
        hostname="embedded@localhost",
    )
    thread = threading.Thread(target=worker.start, name="celery-worker", daemon=True)
    thread.start()
    return thread


class Command(BaseCommand):
    help = (
        "Serve the site at http://127.0.0.1:8000 (with an in-process worker on embedded defaults)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-worker", action="store_true", help="Do not start the embedded worker."
        )

    def handle(self, *args, host: str, port: int, no_worker: bool, **options):
        if settings.EMBEDDED_SERVICES and not no_worker:
            start_embedded_worker()
            self.stdout.write("Background jobs: in-process worker (queues celery, gpu).")
        elif not settings.EMBEDDED_SERVICES:
            self.stdout.write(
                "Background jobs: Celery workers on Redis (start them with `celery -A cellweb worker`)."
            )
        self.stdout.write(
            self.style.SUCCESS(f"CellWeb is running at http://{host}:{port}/  (Ctrl+C stops it)")
        )
        uvicorn.run(
            "cellweb.asgi:application", host=host, port=port, log_level="warning", lifespan="on"
        )
