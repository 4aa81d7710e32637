"""A fold keeps its heartbeat while it validates and scores whole native fields, which report no
progress: on a CPU that takes minutes for a dish of 1024 × 1344 bright-field fields, and a fold
silent for longer than the heartbeat timeout was taken away by the sweeper (the foreground run
said "owned elsewhere now" and its epochs were lost)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cellweb.jobs import JobStatus
from inference.ml import engine
from inference.models import FoldRun
from inference.services.training import training_job_launch, training_job_run_foreground
from tests.helpers_training import tiny_config
from tests.polling import wait_until
from tests.unit.test_native_crops_training import bright_field_fields

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def heartbeat_comes_back(fold_id: int) -> bool:
    """Age the running fold's heartbeat past the timeout, then see whether it is renewed while
    nothing but the scoring in progress runs."""
    stale = timezone.now() - timedelta(hours=1)
    FoldRun.objects.filter(pk=fold_id).update(heartbeat_at=stale)
    try:
        wait_until(
            lambda: FoldRun.objects.get(pk=fold_id).heartbeat_at > stale, timeout=5, interval=0.05
        )
    except AssertionError:
        return False
    return True


def test_validation_and_held_out_scoring_keep_the_folds_heartbeat(
    project, manager, settings, monkeypatch, single_thread_torch
):
    settings.HEARTBEAT_TIMEOUT_S = 0.3  # the side writer renews a heartbeat every 0.1 s
    bright_field_fields(project, 4)
    job = training_job_launch(
        project=project, user=manager, config=tiny_config(folds=2, epochs=1), queue=False
    )
    renewed: dict[str, list[bool]] = {"validation": [], "held-out": []}

    def watched(name, real):
        def scoring(*args, **kwargs):
            fold = FoldRun.objects.get(job=job, status=JobStatus.RUNNING)
            renewed[name].append(heartbeat_comes_back(fold.pk))
            return real(*args, **kwargs)

        return scoring

    monkeypatch.setattr(engine, "evaluate_fields", watched("validation", engine.evaluate_fields))
    monkeypatch.setattr(
        engine, "field_probabilities", watched("held-out", engine.field_probabilities)
    )
    job = training_job_run_foreground(job=job, device="cpu")

    assert job.status == "succeeded", job.error
    assert renewed["validation"] and all(renewed["validation"])
    assert renewed["held-out"] and all(renewed["held-out"])
