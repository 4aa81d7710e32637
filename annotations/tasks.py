"""Celery tasks of the annotations app: each takes ids, loads the row and calls one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="annotations.tasks.run_import", acks_late=True, ignore_result=True)
def run_import(job_id: int) -> None:
    """Import one staged upload. Not retried: a refused file fails the same way every time, and a
    redelivery after a worker crash finds the job still open and runs it again (imports are atomic)."""
    from annotations.services.imports import import_job_run

    import_job_run(job_id=job_id)
