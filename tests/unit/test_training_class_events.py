"""A job with several classes sends each class's validation Dice with every live epoch event,
as its history stores it, so the page's chart draws a curve per class while the job runs."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from cellweb.events import job_group
from inference.services.training import training_job_launch, training_job_run_foreground
from tests.helpers_classes import add_cells
from tests.helpers_training import tiny_config

pytestmark = pytest.mark.usefixtures("single_thread_torch")


async def _drain(layer, channel: str) -> list[dict]:
    events = []
    while True:
        try:
            message = await asyncio.wait_for(layer.receive(channel), 2)
        except TimeoutError:
            return events
        events.append(message["event"])


def test_epoch_events_carry_the_per_class_dice(
    project, manager, make_volume, django_capture_on_commit_callbacks
):
    add_cells(project, make_volume)
    config = tiny_config(classes="all", batch_size=64)
    job = training_job_launch(project=project, user=manager, config=config, queue=False)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(job_group("training", job.pk), channel)
    with django_capture_on_commit_callbacks(execute=True):
        job = training_job_run_foreground(job=job)
    assert job.status == "succeeded", job.error
    epochs = [e for e in async_to_sync(_drain)(layer, channel) if e["type"] == "epoch"]
    assert epochs
    logs = {
        (log.fold.index, log.epoch): log.val_metrics["per_class_dice"]
        for fold in job.folds.all()
        for log in fold.epoch_logs.all()
    }
    for event in epochs:
        assert len(event["val_per_class_dice"]) == 2
        assert event["val_per_class_dice"] == logs[(event["fold"], event["epoch"])]
