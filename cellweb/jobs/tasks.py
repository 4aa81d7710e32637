"""The one Celery task every job kind runs through: it takes a kind and an id, nothing else.

Late acknowledgement, and rejection (re-queue) when the worker process is lost, so a killed
worker leads to a redelivery that the claim judges: a live duplicate is skipped, a lost run is
taken over (a retrying kind resumes, the others start cleanly). Every worker also runs the job
sweeper (``cellweb.jobs.sweeper``), as does the web process.
"""

from __future__ import annotations

import socket

from celery import shared_task
from celery.signals import worker_init, worker_ready
from django.conf import settings
from django.db import DatabaseError

from cellweb.jobs.lifecycle import RETRY_DELAY_S, job_execute, job_fail_unstarted

DATABASE_RETRIES = 10


def worker_name() -> str:
    if settings.EMBEDDED_SERVICES:
        return f"in-process worker@{socket.gethostname()}"
    return socket.gethostname()


@shared_task(
    bind=True,
    name="cellweb.jobs.run",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=None,  # a job counts its own attempts (its kind's retry policy)
)
def run_job(self, kind: str, job_id: int) -> str:
    try:
        return job_execute(
            kind, job_id, worker=self.request.hostname or worker_name(), task_id=self.request.id
        )
    except DatabaseError as exc:
        # The job could not record its state (database busy or unreachable). Try again; a job
        # left "running" meanwhile is taken back by the sweeper.
        if self.request.retries < DATABASE_RETRIES:
            raise self.retry(exc=exc, countdown=RETRY_DELAY_S) from exc
        job_fail_unstarted(kind, job_id, f"The database could not be reached: {exc}")
        raise


@worker_init.connect
@worker_ready.connect
def start_sweeper_in_worker(**kwargs) -> None:
    """``worker_init`` is the signal the in-process worker of ``manage.py demo`` sends too;
    ``worker_ready`` covers a worker started differently. The sweeper starts once either way."""
    from cellweb.jobs.sweeper import start_sweeper

    start_sweeper("worker")
