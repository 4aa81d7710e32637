"""Launching and running training jobs in-process (no worker): snapshots, splits, folds, summaries
and the train command (folds that break: test_training_recovery.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from annotations.models import GroundTruth
from inference.models import FoldRun, ModelVersion, TrainingJob
from inference.services import training as services
from inference.services.model_versions import model_version_activate, model_version_load
from inference.services.training import (
    fold_run_execute,
    training_job_gather,
    training_job_launch,
    training_job_run_foreground,
)
from inference.services.training import fold_trainer as trainer
from tests.helpers_commands import run_command
from tests.helpers_training import tiny_config, tiny_job_launch

pytestmark = pytest.mark.usefixtures("single_thread_torch")


def test_launch_freezes_ground_truth_and_stores_a_split_that_never_splits_a_specimen(
    project, manager, five_cells, queued
):
    job = tiny_job_launch(project, manager, folds=3)
    assert job.snapshot.entries.count() == 10
    folds = list(job.folds.order_by("index"))
    assert [f.kind for f in folds] == ["cv", "cv", "cv"]
    held_out = []
    for fold in folds:
        train = {s["id"] for s in fold.train_specimens}
        val = {s["id"] for s in fold.val_specimens}
        assert train and val and not train & val
        assert train | val == {s.pk for s in five_cells}
        assert fold.val_sections == 2 * len(val) and fold.train_sections == 2 * len(train)
        held_out += sorted(val)
    assert sorted(held_out) == sorted(
        s.pk for s in five_cells
    )  # each specimen held out exactly once
    assert job.estimate_s > 0 and job.code_version


def test_a_later_confirmation_does_not_change_a_launched_jobs_snapshot(
    project, manager, five_cells
):
    job = tiny_job_launch(project, manager)
    frozen = set(job.snapshot.entries.values_list("pk", flat=True))
    truth = GroundTruth.objects.filter(section__specimen=five_cells[0]).first()
    truth.is_current = False
    truth.save(update_fields=["is_current"])
    GroundTruth.objects.create(
        section=truth.section, source="consensus", version=2, mask_png=truth.mask_png
    )
    assert set(job.snapshot.entries.values_list("pk", flat=True)) == frozen


def test_folds_are_queued_once_each_only_after_commit(
    project, manager, five_cells, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = training_job_launch(
            project=project, user=manager, config=tiny_config(folds=2, final_model=True)
        )
    assert queued == []
    for callback in callbacks:
        callback()
    task_ids = sorted(k["task_id"] for _, k in queued)
    assert task_ids == sorted(job.folds.values_list("task_id", flat=True))
    assert {k["args"][0] for _, k in queued} == {"fold"}
    assert sorted(k["args"][1] for _, k in queued) == sorted(job.folds.values_list("pk", flat=True))
    assert {k["queue"] for _, k in queued} == {"gpu"}


def test_a_job_run_here_trains_every_fold_logs_epochs_and_creates_versions_and_summary(
    project, manager, five_cells
):
    job = tiny_job_launch(project, manager, final_model=True)
    job = training_job_run_foreground(job=job)
    assert job.status == "succeeded", job.error
    folds = list(job.folds.order_by("index"))
    assert [f.status for f in folds] == ["succeeded"] * 3
    for fold in folds:
        assert list(fold.epoch_logs.values_list("epoch", flat=True)) == [1, 2]
        assert fold.device.startswith("cpu") and fold.worker
        assert fold.attempts == 1
    assert folds[0].metrics["sections"] == folds[0].val_sections
    versions = ModelVersion.objects.filter(job=job)
    assert sorted(versions.values_list("kind", flat=True)) == ["final", "fold", "fold"]
    final = versions.get(kind="final")
    assert final.metrics["cross_validation"]["dice"] == pytest.approx(
        job.summary["pooled"]["dice"]["mean"]  # beside the fold versions' pooled numbers
    )
    for key in services.METRIC_KEYS:
        row = job.summary["metrics"][key]
        assert len(row["per_fold"]) == 2
        values = [v for v in row["per_fold"] if v is not None]
        if values:
            assert row["mean"] == pytest.approx(np.mean(values))
    model, meta = model_version_load(versions.get(fold=folds[0]))
    assert meta["arch"] == "unet16" and meta["input_size"] == 32
    with torch.no_grad():
        assert model(torch.zeros(1, 1, 32, 32)).shape == (1, 1, 32, 32)


def test_summary_is_mean_and_sample_std_over_folds(project, manager, five_cells):
    job = tiny_job_launch(project, manager, folds=3)
    dices = [0.8, 0.9, 1.0]
    for fold, dice in zip(job.folds.order_by("index"), dices):
        FoldRun.objects.filter(pk=fold.pk).update(
            status="succeeded", metrics=dict.fromkeys(services.METRIC_KEYS, dice) | {"auc_pr": None}
        )
    training_job_gather(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded"
    dice = job.summary["metrics"]["dice"]
    assert dice["per_fold"] == dices
    assert dice["mean"] == pytest.approx(0.9) and dice["std"] == pytest.approx(0.1)
    assert job.summary["metrics"]["auc_pr"]["mean"] is None


def test_only_one_version_per_project_is_active(project, manager, five_cells):
    job = tiny_job_launch(project, manager, epochs=1)
    training_job_run_foreground(job=job)
    first, second = ModelVersion.objects.filter(job=job).order_by("pk")
    model_version_activate(version=first, user=manager)
    model_version_activate(version=second, user=manager)
    assert list(ModelVersion.objects.filter(is_active=True)) == [second]


def test_the_train_command_launches_runs_here_and_prints_the_summary(project, five_cells):
    text = run_command(
        "train",
        "--project",
        project.slug,
        "--arch",
        "unet16",
        "--folds",
        "2",
        "--epochs",
        "1",
        "--batch-size",
        "4",
        "--input-size",
        "32",
        "--no-elastic",
        "--lab",
        "Lab A",
        "--wait",
    )
    job = TrainingJob.objects.get()
    assert (
        job.status == "succeeded"
        and job.config["elastic"] is False
        and job.config["labs"] == ["Lab A"]
    )
    assert f"Training job {job.pk}" in text and "held out:" in text and "Estimated compute" in text
    assert "Dice" in text and "±" in text and "AUC-PR" in text


def test_the_train_command_reports_a_configuration_that_cannot_work(project, five_cells):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="6-fold cross-validation needs at least 6 specimens"):
        call_command("train", "--project", project.slug, "--folds", "6", "--wait")
    with pytest.raises(CommandError, match="No project"):
        call_command("train", "--project", "nope", "--wait")
    assert TrainingJob.objects.count() == 0


def test_fluorescence_ground_truth_stored_on_the_stain_trains_on_the_paired_label_free_image(
    project, manager, make_volume
):
    from annotations.imaging.masks import encode_mask
    from annotations.models import Section, Specimen
    from inference.datasets import snapshot_entries, training_tensors
    from tests.helpers_training import disk_section

    rng = np.random.default_rng(3)
    for i in range(2):
        specimen = Specimen.objects.create(project=project, name=f"stained-{i}")
        pairs = [disk_section(32, rng) for _ in range(2)]
        ri = make_volume(specimen, np.stack([p[0] for p in pairs]))
        stain = make_volume(
            specimen,
            np.stack([p[1].astype(np.float32) for p in pairs]),
            modality="fluorescence",
            channel="DAPI",
        )
        for section, (_, mask) in zip(stain.sections.order_by("z"), pairs):
            GroundTruth.objects.create(
                section=section, source="fluorescence", version=1, mask_png=encode_mask(mask)
            )
        assert Section.objects.filter(volume=ri, fluorescence__isnull=False).count() == 2

    job = tiny_job_launch(project, manager, gt_source="fluorescence")
    entries = snapshot_entries(job.snapshot)
    assert len(entries) == 4 and {e.modality for e in entries} == {"ri"}
    images, masks = training_tensors(entries, input_size=32)
    assert images.shape == masks.shape == (4, 1, 32, 32)
    assert set(masks.unique().tolist()) == {0.0, 1.0}


def test_the_epoch_loop_reads_the_fold_once_per_batch_and_writes_progress_throttled(
    project, manager, five_cells, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    job = tiny_job_launch(project, manager, epochs=3, batch_size=1)
    batches = []
    original = trainer.FoldTrainer.on_batch

    def counting(self, done, total, loss):
        batches.append(done)
        original(self, done, total, loss)

    monkeypatch.setattr(trainer.FoldTrainer, "on_batch", counting)
    with CaptureQueriesContext(connection) as queries:
        assert fold_run_execute(fold_id=job.folds.get(index=0).pk, worker="w") == "succeeded"

    checks = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "inference_foldrun"."cancel_requested"')
    ]
    assert len(batches) >= 3 * 4
    # One read per batch, plus one after each epoch and one when the epoch is logged.
    assert len(batches) <= len(checks) <= len(batches) + 2 * 3 + 1
    progress_writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("UPDATE") and '"batches"' in q["sql"]
    ]
    assert 3 <= len(progress_writes) <= len(batches) + 3
