"""A stalled fold run whose row a new attempt took over (its heartbeat was lost, the sweeper
queued it again) cannot write its checkpoint over the new attempt's: the checkpoint takes its
place only while the run still owns the fold."""

from __future__ import annotations

import pytest
import torch

from cellweb.jobs import JobContext, JobSuperseded, get_kind
from inference.ml import engine
from inference.models import FoldRun
from inference.services.training import checkpoint_dir, checkpoint_path
from inference.services.training.recovery import checkpoint_save
from tests.helpers_training import tiny_job_launch

pytestmark = pytest.mark.django_db


def _save(fold: FoldRun, ctx: JobContext, epochs: int) -> None:
    model = torch.nn.Linear(2, 1)
    checkpoint_save(
        fold,
        ctx,
        model=model,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
        generator=torch.Generator().manual_seed(0),
        history=[{"epoch": e} for e in range(1, epochs + 1)],
    )


def _run(fold: FoldRun, task_id: str, attempts: int) -> JobContext:
    """The context of the run that owns the fold as ``task_id``'s attempt ``attempts``."""
    FoldRun.objects.filter(pk=fold.pk).update(status="running", task_id=task_id, attempts=attempts)
    fold.refresh_from_db()
    return JobContext(get_kind("fold"), fold, worker=task_id)


def _saved_epoch(fold: FoldRun) -> int:
    model = torch.nn.Linear(2, 1)
    return engine.load_checkpoint(checkpoint_path(fold), model=model, optimizer=None)["epoch"]


def test_a_stalled_run_does_not_overwrite_the_checkpoint_of_the_attempt_that_took_over(
    project, manager, five_cells, media_root
):
    fold = tiny_job_launch(project, manager, epochs=5).folds.get(index=0)
    stalled = _run(fold, "first", 1)
    _save(fold, stalled, 1)
    assert _saved_epoch(fold) == 1

    taken_over = _run(FoldRun.objects.get(pk=fold.pk), "second", 2)  # resumed from epoch 1
    _save(fold, taken_over, 3)

    with pytest.raises(JobSuperseded):
        _save(fold, stalled, 2)  # the stalled run wakes up and ends its epoch 2

    assert _saved_epoch(fold) == 3
    assert [p.name for p in checkpoint_dir(fold.job_id).iterdir()] == [checkpoint_path(fold).name]
