"""Training on several classes and nucleus instances: targets from stored ground truth, the
job end to end (foreground run), the version's recorded outputs, and the refusals."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from django.core.management import CommandError, call_command
from scipy import ndimage

from inference.datasets import snapshot_entries
from inference.datasets_heads import head_tensors
from inference.ml import engine
from inference.ml.data import normalise
from inference.ml.engine import make_optimizer, prepare_model, seed_everything
from inference.ml.heads import HeadLayout, create_model_with_heads
from inference.ml.instances import distance_target
from inference.ml.losses import HeadLoss, pack_targets
from inference.models import ModelVersion
from inference.output_classes import job_output_classes
from inference.services.model_versions import model_version_load
from inference.services.training import (
    TrainingConfig,
    TrainingConfigError,
    training_job_launch,
    training_job_run_foreground,
)
from tests.helpers_classes import add_cells, cell_image, touching_cell
from tests.helpers_training import tiny_config, tiny_job_launch

pytestmark = pytest.mark.usefixtures("single_thread_torch")
CPU = torch.device("cpu")


def test_multi_class_training_lowers_the_loss_on_nucleus_and_cytoplasm():
    """A few steps of Unet16 with a softmax output and a distance head on small crops."""
    rng = np.random.default_rng(0)
    cells = [touching_cell(rng)[0] for _ in range(8)]
    x = torch.from_numpy(np.stack([normalise(cell_image(c), "ri").numpy() for c in cells]))[:, None]
    class_maps = np.stack([np.select([np.isin(c, (1, 2)), c == 3], [1, 2], 0) for c in cells])
    nuclei = [np.where(np.isin(c, (1, 2)), c, 0) for c in cells]
    y = pack_targets(class_maps, np.stack([distance_target(n) for n in nuclei]))
    layout = HeadLayout(n_classes=3, instance="distance")
    generator = seed_everything(0)
    model = prepare_model(create_model_with_heads("unet16", layout), CPU)
    optimizer = make_optimizer(model, lr=1e-2)
    loss = HeadLoss(layout, class_weights=[0.5, 1.0, 1.0])

    def held_loss() -> float:
        return engine.evaluate_heads(model, [(x, y)], loss, layout, device=CPU).loss

    before = held_loss()
    for epoch in range(15):
        order = torch.randperm(8, generator=generator)
        batches = [(x[order[i : i + 4]], y[order[i : i + 4]]) for i in (0, 4)]
        engine.train_one_epoch(model, batches, optimizer, loss, device=CPU, epoch=epoch)
    after = held_loss()
    assert after < 0.7 * before, (before, after)


@pytest.fixture
def cells(project, make_volume):
    add_cells(project, make_volume)


def test_targets_are_class_channels_and_a_distance_peak_per_nucleus(project, manager, cells):
    config = tiny_config(classes="all", instance_head="distance")
    job = training_job_launch(project=project, user=manager, config=config, queue=False)
    assert job.config["class_values"] == [1, 2]
    outputs = job_output_classes(project, TrainingConfig.from_dict(job.config))
    x, y = head_tensors(snapshot_entries(job.snapshot)[:1], outputs, input_size=32)
    assert x.shape == (1, 1, 32, 32) and y.shape == (1, 2, 32, 32)
    classes, distance = y[0, 0].numpy(), y[0, 1].numpy()
    assert set(np.unique(classes)) == {0.0, 1.0, 2.0}
    assert distance[classes != 1].max() == 0.0  # only nuclei have a distance
    # Two touching nuclei: two peaks of 1 with a valley between them.
    assert (distance == 1.0).sum() >= 2
    assert ndimage.label(distance > 0.5)[1] == 2


def test_a_classes_and_distance_job_trains_versions_that_record_their_outputs_and_fine_tune(
    project, manager, cells
):
    config = tiny_config(classes="all", instance_head="distance", epochs=2)
    job = training_job_launch(project=project, user=manager, config=config, queue=False)
    job = training_job_run_foreground(job=job)
    assert job.status == "succeeded", job.error
    version = ModelVersion.objects.filter(job=job).first()
    assert version.config["head_layout"] == {"n_classes": 3, "instance": "distance"}
    assert version.config["classes"] == [
        {"value": 1, "name": "nucleus", "kind": "instances"},
        {"value": 2, "name": "cytoplasm", "kind": "region"},
    ]
    assert set(version.metrics["per_class"]) == {"nucleus", "cytoplasm"}
    model, _ = model_version_load(version)
    assert model(torch.zeros(1, 1, 32, 32)).shape == (1, 4, 32, 32)
    fold = job.folds.first()
    assert fold.epoch_logs.count() == 2
    assert len(fold.epoch_logs.first().val_metrics["per_class_dice"]) == 2

    # Fine-tuning it (as a retrain round does) keeps its classes and its distance output.
    tuned = tiny_job_launch(project, manager, epochs=1, from_version=version.pk)
    assert tuned.config["classes"] == ["nucleus", "cytoplasm"]
    assert tuned.config["class_values"] == [1, 2] and tuned.config["instance_head"] == "distance"
    tuned = training_job_run_foreground(job=tuned)
    assert tuned.status == "succeeded", tuned.error
    child = ModelVersion.objects.filter(job=tuned).first()
    assert child.config["head_layout"] == version.config["head_layout"]
    assert child.parent_id == version.pk


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"classes": ["nucleus", "golgi"]}, "classes", "no class “golgi”"),
        (
            {"classes": ["cytoplasm", "nucleus"], "class_weights": [1, 2]},
            "class_weights",
            "Give 3 class weights",
        ),
        ({"classes": "some"}, "classes", "Classes are blank"),
        ({"instance_head": "contour"}, "instance_head", "Unknown instance output"),
    ],
)
def test_bad_class_choices_are_refused_with_the_reason(
    project, manager, cells, overrides, field, words
):
    with pytest.raises(TrainingConfigError) as caught:
        tiny_job_launch(project, manager, **overrides)
    assert field in caught.value.errors and words in caught.value.errors[field]


def test_an_instance_output_needs_an_instance_class(project, manager, cells):
    config = tiny_config(classes=["cytoplasm", "cytoplasm"], instance_head="boundary")
    with pytest.raises(TrainingConfigError) as caught:
        training_job_launch(project=project, user=manager, config=config, queue=False)
    assert "none of cytoplasm (value 2) is one" in caught.value.errors["instance_head"]


def test_a_binary_job_with_foreground_normalisation_keeps_the_binary_network(
    project, manager, cells
):
    config = tiny_config(foreground_normalise=True, epochs=1, folds=2)
    job = training_job_launch(project=project, user=manager, config=config, queue=False)
    assert job.config["target_value"] == 1 and job.config["class_values"] == [1]
    job = training_job_run_foreground(job=job)
    assert job.status == "succeeded", job.error
    version = ModelVersion.objects.filter(job=job).first()
    assert "head_layout" not in version.config and version.config["foreground_normalise"]
    model, _ = model_version_load(version)
    assert model(torch.zeros(1, 1, 32, 32)).shape == (1, 1, 32, 32)


def test_the_train_command_learns_every_class_with_a_distance_output(project, cells):
    out = io.StringIO()
    call_command(
        "train",
        *("--project", project.slug, "--classes", "all", "--instances", "distance"),
        *("--arch", "unet16", "--folds", "2", "--epochs", "1", "--input-size", "32"),
        *("--batch-size", "4", "--wait", "--device", "cpu"),
        stdout=out,
    )
    text = out.getvalue()
    assert "Learns 2 classes with a softmax output, with a distance output" in text
    assert "succeeded" in text
    with pytest.raises(CommandError, match="none of cytoplasm"):
        call_command(
            "train",
            "--project",
            project.slug,
            "--classes",
            "cytoplasm,cytoplasm",
            "--instances",
            "boundary",
            stdout=io.StringIO(),
        )
