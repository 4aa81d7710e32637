"""Fine-tuning: a job started from a model version begins at that version's weights (its first
epoch's loss is the parent's loss on the same batch) and its versions record the parent."""

from __future__ import annotations

import io

import pytest
import torch
from django.core.management import call_command
from django.core.management.base import CommandError

from annotations.models import Project
from cellweb.errors import NotFoundError
from inference.datasets import training_tensors
from inference.ml.nets import create_model
from inference.models import EpochLog, ModelVersion
from inference.services.model_versions import (
    model_version_create,
    model_version_load,
    weights_payload,
)
from inference.services.training import (
    TrainingDataConflict,
    training_job_run_foreground,
)
from inference.services.training.fold_data import fold_entries
from tests.helpers_training import add_specimens, tiny_job_launch

pytestmark = pytest.mark.usefixtures("single_thread_torch")

# One batch per epoch and no augmentation: the first epoch's loss is one forward pass of the
# starting weights over every training section, taken before the first optimiser step.
ONE_BATCH = {
    "folds": 2,
    "epochs": 1,
    "batch_size": 64,
    "elastic": False,
    "flips": False,
    "enlarge_crop": False,
    "aug_fraction": 0.0,
}


@pytest.fixture
def cells(project, make_volume):
    return add_specimens(project, make_volume, 4, sections=2)


def _parent(project, arch="unet16", seed=11) -> ModelVersion:
    torch.manual_seed(seed)
    return model_version_create(
        project=project,
        name="parent",
        arch=arch,
        weights=weights_payload(create_model(arch), arch=arch, input_size=32),
        kind="imported",
        provenance="imported",
    )


def _loss_of(model: torch.nn.Module, fold) -> float:
    train, _ = fold_entries(fold)
    x, y = training_tensors(train, input_size=32)
    model.train()  # as in the first training step: BatchNorm uses the batch's statistics
    with torch.no_grad():
        return float(torch.nn.BCEWithLogitsLoss()(model(x), y))


def test_fine_tuning_starts_from_the_parents_weights_and_records_the_parent(
    project, manager, cells
):
    parent = _parent(project)
    job = tiny_job_launch(project, manager, **ONE_BATCH, from_version=parent.pk)
    job = training_job_run_foreground(job=job)
    assert job.status == "succeeded", job.error
    for fold in job.folds.all():
        first = EpochLog.objects.get(fold=fold, epoch=1).train_loss
        parent_model, _ = model_version_load(parent)
        assert first == pytest.approx(_loss_of(parent_model, fold), rel=1e-5)
        scratch_loss = _loss_of(create_model("unet16"), fold)
        assert abs(first - scratch_loss) > 1e-3  # the check can tell the two starts apart
    children = ModelVersion.objects.filter(job=job)
    assert children.count() == 2
    assert {(c.parent_id, c.provenance) for c in children} == {(parent.pk, "fine_tuned")}


def test_a_job_from_scratch_records_no_parent(project, manager, cells):
    job = tiny_job_launch(project, manager, **ONE_BATCH)
    training_job_run_foreground(job=job)
    assert {(v.parent_id, v.provenance) for v in ModelVersion.objects.filter(job=job)} == {
        (None, "trained")
    }


def test_fine_tuning_keeps_the_architecture(project, manager, cells):
    parent = _parent(project, arch="unet16")
    with pytest.raises(TrainingDataConflict) as caught:
        tiny_job_launch(project, manager, arch="osnet", from_version=parent.pk)
    assert "train unet16 (not osnet)" in caught.value.errors["from_version"]
    assert caught.value.code == "parent_arch_mismatch"
    assert not project.training_jobs.exists()


def test_a_version_the_user_may_not_see_cannot_be_a_parent(project, manager, cells):
    other = Project.objects.create(slug="elsewhere", name="Elsewhere")
    hidden = _parent(other)
    with pytest.raises(NotFoundError) as caught:
        tiny_job_launch(project, manager, from_version=hidden.pk)
    # A version the user may not see does not exist for them.
    assert caught.value.message == f"No model version {hidden.pk} to fine-tune from."


def test_the_train_command_fine_tunes_from_a_version(project, cells):
    parent = _parent(project)
    out = io.StringIO()
    tiny = "--arch unet16 --folds 2 --epochs 1 --batch-size 8 --input-size 32 --no-elastic"
    call_command(
        "train",
        *f"--project {project.slug} {tiny} --from-version {parent.pk} --wait".split(),
        stdout=out,
    )
    assert "fine-tuning from model version" in out.getvalue()
    assert set(ModelVersion.objects.exclude(pk=parent.pk).values_list("parent", flat=True)) == {
        parent.pk
    }
    with pytest.raises(CommandError, match="No model version 999999"):
        call_command("train", "--project", project.slug, "--from-version", "999999", "--wait")
