"""Celery tasks of the inference app (queue ``gpu``): they take ids and call one service.

Training folds run with late acknowledgement and are rejected (re-queued) when their worker
process is lost, so a killed worker leads to redelivery; the fold then resumes from its last
checkpoint (``inference.services.training``). Every worker also sweeps for folds whose worker
stopped sending heartbeats, so no fold stays "running" after its worker vanished, without
needing celery beat.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from celery import shared_task
from celery.signals import worker_init, worker_ready
from django.conf import settings
from django.db import DatabaseError, close_old_connections

logger = logging.getLogger(__name__)

RETRY_DELAY_S = 5
DATABASE_RETRIES = 10
EMBEDDED_CONCURRENCY = 2  # cellweb.management.commands.demo.start_embedded_worker


@shared_task(
    bind=True,
    name="inference.tasks.training_fold_run",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=None,  # the fold counts its own attempts (settings.TRAINING_MAX_RETRIES)
)
def training_fold_run(self, fold_id: int) -> str:
    from inference.services.training import fold_fail_unstarted, fold_run_execute

    if settings.EMBEDDED_SERVICES:
        # The in-process worker runs two folds at once in threads of one process; one core each
        # beats both sharing one OpenMP pool, whose spinning threads then fight over the cores.
        torch_threads = max(1, (os.cpu_count() or 1) // EMBEDDED_CONCURRENCY)
        import torch

        torch.set_num_threads(torch_threads)
    try:
        outcome = fold_run_execute(
            fold_id=fold_id,
            worker=self.request.hostname or _worker_name(),
            task_id=self.request.id,
        )
    except DatabaseError as exc:
        # The fold could not record its state (database busy or unreachable). Try again; a fold
        # left "running" meanwhile is taken back by the heartbeat sweep.
        if self.request.retries < DATABASE_RETRIES:
            raise self.retry(exc=exc, countdown=RETRY_DELAY_S) from exc
        fold_fail_unstarted(fold_id, f"The database could not be reached: {exc}")
        raise
    if outcome == "retry":
        raise self.retry(countdown=RETRY_DELAY_S)
    return outcome


def _worker_name() -> str:
    if settings.EMBEDDED_SERVICES:
        return f"in-process worker@{socket.gethostname()}"
    return socket.gethostname()


def sweep_stale_folds_forever(interval_s: float, stop: threading.Event | None = None) -> None:
    from inference.services.training import training_mark_stale_folds

    stop = stop or threading.Event()
    logger.info(
        "Checking every %.0f s for training folds whose worker stopped responding", interval_s
    )
    while not stop.is_set():
        try:
            changed = training_mark_stale_folds()
            if changed:
                logger.warning(
                    "Re-queued or failed %d training fold(s) whose worker stopped responding",
                    changed,
                )
        except Exception:  # the sweep must outlive a database hiccup
            logger.exception("Sweeping stale training folds failed")
        finally:
            close_old_connections()
        stop.wait(interval_s)


_sweep_started = threading.Event()


@worker_init.connect
@worker_ready.connect
def start_stale_fold_sweep(**kwargs) -> None:
    """One sweeping thread per worker process. ``worker_init`` is the signal the in-process worker
    of ``manage.py demo`` sends too; ``worker_ready`` covers a worker started differently."""
    if _sweep_started.is_set():
        return
    _sweep_started.set()
    interval = max(2.0, settings.HEARTBEAT_TIMEOUT_S / 2)
    threading.Thread(
        target=sweep_stale_folds_forever, args=(interval,), name="training-fold-sweep", daemon=True
    ).start()


@shared_task(
    bind=True,
    name="inference.tasks.evaluation_run",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def evaluation_run_task(self, evaluation_id: int) -> str:
    """Score one evaluation; a redelivery after a lost worker starts it again from scratch."""
    from inference.services.evaluation import evaluation_run

    evaluation = evaluation_run(
        evaluation_id=evaluation_id, worker=self.request.hostname or socket.gethostname()
    )
    return evaluation.status if evaluation is not None else "missing"
