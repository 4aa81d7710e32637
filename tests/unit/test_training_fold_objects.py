"""Each cross-validation fold scores its held-out nuclei (object precision, recall, F1 at
IoU > 0.5 and mAP), numbered as an evaluation numbers them, and the job summarises them."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from django.core.management import call_command
from scipy.optimize import linear_sum_assignment

from annotations.models import GroundTruth
from inference.datasets import snapshot_entries
from inference.datasets_heads import head_tensors
from inference.ml.label_output import activate, labels_from_output
from inference.ml.objects import iou_matrix
from inference.models import ModelVersion
from inference.output_classes import job_output_classes
from inference.services.evaluation.labels import WATERSHED
from inference.services.model_versions import model_version_load
from inference.services.training import (
    TrainingConfig,
    training_job_launch,
    training_job_run_foreground,
)
from inference.services.training.fold_objects import fold_objects
from tests.helpers_classes import add_cells, instance_gt
from tests.helpers_training import numbered_specimens, tiny_config, tiny_job_launch

pytestmark = pytest.mark.usefixtures("single_thread_torch")
MAP_THRESHOLDS = np.round(np.arange(0.5, 1.0, 0.05), 2)


def crowded_section() -> tuple[np.ndarray, np.ndarray]:
    """(RI image, instance map): two overlapping nucleus disks that touch, and one alone."""
    yy, xx = np.mgrid[:40, :40]
    left = (yy - 14) ** 2 + (xx - 12) ** 2 < 36
    right = (yy - 14) ** 2 + (xx - 22) ** 2 < 36
    alone = (yy - 30) ** 2 + (xx - 28) ** 2 < 25
    instances = np.zeros((40, 40), np.uint16)
    instances[alone], instances[right], instances[left] = 3, 2, 1
    return (1.337 + 0.03 * (instances > 0)).astype(np.float32), instances


def expected(pairs) -> dict:
    """Pooled object numbers computed here from (predicted ids, true ids) per section."""
    n_gt = n_pred = 0
    tp_at = np.zeros(len(MAP_THRESHOLDS) + 1, dtype=int)
    for pred, truth in pairs:
        iou = iou_matrix(pred, truth)
        n_gt, n_pred = n_gt + iou.shape[0], n_pred + iou.shape[1]
        if iou.size:
            rows, cols = linear_sum_assignment(-iou)
            tp_at += [int((iou[rows, cols] > t).sum()) for t in (*MAP_THRESHOLDS, 0.5)]
    tp = int(tp_at[-1])
    denominators = n_gt + n_pred - tp_at[:-1]
    return {
        "n_gt": n_gt,
        "n_pred": n_pred,
        "precision_iou50": tp / n_pred if n_pred else None,
        "recall_iou50": tp / n_gt if n_gt else None,
        "f1_iou50": 2 * tp / (n_gt + n_pred) if n_gt + n_pred else None,
        "map": float(np.mean(np.where(denominators > 0, tp_at[:-1] / denominators, 1.0))),
    }


def assert_matches(objects: dict, wanted: dict) -> None:
    for key, value in wanted.items():
        assert objects[key] == pytest.approx(value), key


@pytest.fixture
def crowded(project, make_volume):
    for specimen in numbered_specimens(project, 4, prefix="crowded"):
        image, instances = crowded_section()
        volume = make_volume(specimen, np.stack([image, image]))
        for section in volume.sections.all():
            instance_gt(section, instances, {1: 1, 2: 1, 3: 1}, (1,))


def test_an_instance_head_fold_scores_its_held_out_nuclei_as_computed_independently(
    project, manager, make_volume
):
    add_cells(project, make_volume)
    # Enough steps for the fold's networks to predict nuclei (seeded, so always the same ones).
    config = tiny_config(classes="all", instance_head="distance", epochs=8, lr=1e-2)
    job = training_job_launch(project=project, user=manager, config=config, queue=False)
    job = training_job_run_foreground(job=job)
    assert job.status == "succeeded", job.error
    outputs = job_output_classes(project, TrainingConfig.from_dict(job.config))
    entries = snapshot_entries(job.snapshot)
    per_fold = []
    for fold in job.folds.filter(kind="cv").order_by("index"):
        objects = fold.metrics["objects"]
        assert objects["pred_instances"] == "instance head (distance)"
        assert objects["gt_instances"] == "stored instance ids"
        # Recomputed from the fold's stored model on its held-out sections (native 32 px).
        model, _ = model_version_load(ModelVersion.objects.get(fold=fold))
        val_ids = {s["id"] for s in fold.val_specimens}
        held = [e for e in entries if e.specimen_id in val_ids]
        x, y = head_tensors(held, outputs, input_size=32)
        with torch.no_grad():
            logits = model.eval()(x).numpy()
        truths = [outputs.targets(bytes(GroundTruth.objects.get(pk=e.ground_truth_id).mask_png),
                                  (32, 32))[1] for e in held]  # fmt: skip
        pairs = []
        for output, truth in zip(logits, truths, strict=True):
            _, instances, classes = labels_from_output(
                activate(output, outputs.layout), outputs.layout, [1, 2], [1], activated=True
            )
            nuclei = [i for i, v in classes.items() if v == 1]
            pairs.append((np.where(np.isin(instances, nuclei), instances, 0), truth))
        wanted = expected(pairs)
        assert wanted["n_gt"] == 2 * len(held)  # two touching nuclei per section
        assert_matches(objects, wanted)
        per_fold.append(objects["f1_iou50"])
    assert sum(f.metrics["objects"]["n_pred"] for f in job.folds.filter(kind="cv")) > 0
    block = job.summary["objects"]
    assert block["metrics"]["f1_iou50"]["per_fold"] == per_fold
    assert block["metrics"]["f1_iou50"]["mean"] == pytest.approx(np.mean(per_fold))
    assert block["metrics"]["f1_iou50"]["std"] == pytest.approx(np.std(per_fold, ddof=1))
    assert block["metrics"]["map"]["label"] == "mAP (IoU 0.50:0.05:0.95)"


def test_a_binary_fold_splits_touching_nuclei_as_an_evaluation_does(project, manager, crowded):
    """A controlled prediction, the true nuclei's union: the watershed separates the touching
    pair, so every nucleus is found; connected components would have merged it."""
    job = tiny_job_launch(project, manager)
    fold = job.folds.filter(kind="cv").order_by("index").first()
    perfect = (crowded_section()[1] > 0).astype(np.float32)[None]
    held = fold.val_sections  # two specimens of two sections
    cfg = TrainingConfig.from_dict(job.config)
    objects = fold_objects([perfect] * held, fold, cfg)
    assert objects["pred_instances"] == WATERSHED
    assert (objects["n_gt"], objects["n_pred"]) == (3 * held, 3 * held)
    assert objects["f1_iou50"] == objects["precision_iou50"] == objects["recall_iou50"] == 1.0
    # Half the sections predicted empty: their nuclei are missed, nothing is invented.
    empty = np.zeros_like(perfect)
    objects = fold_objects([perfect, empty] * (held // 2), fold, cfg)
    assert objects["precision_iou50"] == 1.0 and objects["recall_iou50"] == 0.5
    # A prediction at the input size (16 px here) is brought back to the section's 40 px grid.
    objects = fold_objects([perfect[:, ::2, ::2]] * held, fold, cfg)
    assert objects["n_gt"] == 3 * held and objects["n_pred"] >= 2 * held


def test_a_binary_job_reports_nuclei_per_fold_in_its_summary_and_the_train_output(project, crowded):
    out = io.StringIO()
    call_command(
        "train",
        *("--project", project.slug, "--arch", "unet16", "--folds", "2", "--epochs", "1"),
        *("--batch-size", "4", "--input-size", "32", "--no-elastic", "--wait"),
        stdout=out,
    )
    version = ModelVersion.objects.filter(kind="fold").first()
    objects = version.metrics["objects"]
    assert objects["n_gt"] == 3 * version.fold.val_sections
    assert objects["pred_instances"] == WATERSHED
    assert set(objects) >= {"precision_iou50", "recall_iou50", "f1_iou50", "map"}
    text = out.getvalue()
    assert "Object F1 (IoU > 0.5)" in text and "mAP (IoU 0.50:0.05:0.95)" in text
    assert "counts pooled over the fold's held-out sections" in text


def test_an_instance_head_on_native_fields_scores_its_nuclei(project, manager, make_volume):
    """With native crops the held-out fields are predicted tiled at their own size."""
    add_cells(project, make_volume)
    config = tiny_config(classes="all", instance_head="boundary", native_crops=True, epochs=1)
    job = training_job_launch(project=project, user=manager, config=config, queue=False)
    job = training_job_run_foreground(job=job)
    assert job.status == "succeeded", job.error
    for fold in job.folds.filter(kind="cv"):
        objects = fold.metrics["objects"]
        assert objects["pred_instances"] == "instance head (boundary)"
        assert objects["n_gt"] == 2 * fold.val_sections
    assert set(job.summary["objects"]["metrics"]) == {"precision_iou50", "recall_iou50",
                                                      "f1_iou50", "map"}  # fmt: skip


def test_a_failure_to_score_nuclei_costs_the_fold_nothing_else(project, crowded, monkeypatch):
    from inference.services.training import fold_run

    def broken(*args, **kwargs):
        raise ValueError("no instances")

    monkeypatch.setattr(fold_run, "fold_objects", broken)
    out = io.StringIO()
    call_command(
        "train",
        *("--project", project.slug, "--arch", "unet16", "--folds", "2", "--epochs", "1"),
        *("--batch-size", "4", "--input-size", "32", "--no-elastic", "--wait"),
        stdout=out,
    )
    version = ModelVersion.objects.filter(kind="fold").first()
    assert version.fold.status == "succeeded" and "dice" in version.metrics
    assert "objects" not in version.metrics
    lines = [entry["line"] for entry in version.fold.log]
    assert "held-out nuclei could not be scored (ValueError: no instances); none shown" in lines
