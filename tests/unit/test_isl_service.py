"""In-silico-labelling jobs (in-process): launch and refusals, a foreground run into ISL model
versions with their PCC per fold, fine-tuning from an ISL version, and what an ISL version may
not do."""

from __future__ import annotations

import io

import pytest
import torch
from django.core.management import call_command
from django.core.management.base import CommandError

from cellweb.errors import ConflictError
from inference.ml.isl import pretrained_body
from inference.ml.nets import create_model
from inference.models import EpochLog, ModelVersion
from inference.services.evaluation import evaluation_launch
from inference.services.isl import isl_job_launch
from inference.services.model_exchange import model_version_export
from inference.services.model_exchange.parent import fine_tune_parent_load
from inference.services.model_versions import (
    model_version_activate,
    model_version_create,
    model_version_load,
    weights_payload,
)
from inference.services.prediction import prediction_launch
from inference.services.training import (
    TrainingConfigError,
    training_job_launch,
    training_job_run_foreground,
)
from tests.helpers_isl import add_stained_specimens, tiny_isl
from tests.helpers_training import add_specimens, tiny_config, tiny_job_launch

pytestmark = pytest.mark.usefixtures("single_thread_torch")


@pytest.fixture
def stained(project, make_volume):
    return add_stained_specimens(project, make_volume, 4, sections=2)


def _isl_version(project, arch="unet16", seed=5, in_channels=1) -> ModelVersion:
    torch.manual_seed(seed)
    network = create_model(arch, in_channels=in_channels)
    payload = weights_payload(network, arch=arch, input_size=32)
    return model_version_create(project=project, name="isl", arch=arch, weights=payload, task="isl")


def test_a_project_without_paired_fluorescence_is_refused_before_anything_is_written(
    project, manager, make_volume
):
    add_specimens(project, make_volume, 3, sections=2)  # label-free only, with ground truth
    with pytest.raises(ConflictError, match="no label-free section with paired fluorescence"):
        isl_job_launch(project=project, user=manager, options=tiny_isl())
    assert not project.training_jobs.exists()


def test_too_few_stained_specimens_for_the_folds_is_refused(project, manager, stained):
    with pytest.raises(ConflictError, match="Use at most 4 folds"):
        isl_job_launch(project=project, user=manager, options=tiny_isl(folds=5))
    assert not project.training_jobs.exists()


def test_launch_pins_the_pairs_and_splits_them_by_specimen(
    project, manager, stained, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = isl_job_launch(project=project, user=manager, options=tiny_isl())
    assert job.snapshot_id is None and job.sections == 8 and len(job.config["pairs"]) == 8
    assert job.config["task"] == "isl" and job.config["loss"] == "l1"
    held_out = []
    for fold in job.folds.all():
        train = {s["id"] for s in fold.train_specimens}
        val = {s["id"] for s in fold.val_specimens}
        assert train and val and not train & val
        held_out += val
    assert sorted(held_out) == sorted(s.pk for s in stained)
    # One job of the kind "fold" per fold, on the gpu queue, after the commit.
    assert [(k["args"][0], k["queue"]) for _, k in queued] == [("fold", "gpu")] * 2


def test_a_foreground_run_stores_isl_versions_with_the_pcc_per_fold(project, manager, stained):
    job = isl_job_launch(project=project, user=manager, options=tiny_isl(), queue=False)
    job = training_job_run_foreground(job=job)

    assert job.status == "succeeded", job.error
    versions = list(ModelVersion.objects.filter(job=job).order_by("fold__index"))
    assert [v.task for v in versions] == ["isl", "isl"]
    per_fold = job.summary["metrics"]["pcc"]["per_fold"]
    assert per_fold == [v.metrics["pcc"] for v in versions]
    for fold, version in zip(job.folds.order_by("index"), versions):
        assert len(version.metrics["pcc_sections"]) == fold.val_sections == 4
        logs = EpochLog.objects.filter(fold=fold).order_by("epoch")
        assert [log.epoch for log in logs] == [1, 2]
        assert all(log.val_dice is None and "pcc" in log.val_metrics for log in logs)


def test_an_isl_version_cannot_be_activated(project, manager):
    version = _isl_version(project)
    with pytest.raises(ConflictError, match="cannot segment"):
        model_version_activate(version=version, user=manager)
    version.refresh_from_db()
    assert not version.is_active


def test_an_isl_version_cannot_predict_or_be_evaluated(project, manager):
    version = _isl_version(project)
    with pytest.raises(ConflictError, match="cannot segment"):
        prediction_launch(project=project, user=manager, model_version_id=version.pk)
    with pytest.raises(ConflictError, match="cannot segment"):
        evaluation_launch(
            project=project,
            user=manager,
            model_version_id=version.pk,
            set_kind="specimens",
            set_params={},
        )


def test_an_isl_version_is_not_exported_as_a_segmentation_package(project, manager, tmp_path):
    version = _isl_version(project)
    out = tmp_path / "model.zip"
    with pytest.raises(ConflictError, match="cannot segment"):
        model_version_export(version=version, user=manager, out_path=out)
    assert not out.exists()


def test_fine_tuning_from_an_isl_version_starts_from_its_encoder_and_decoder(
    project, manager, make_volume
):
    parent = _isl_version(project)
    parent_state = model_version_load(parent)[0].state_dict()
    torch.manual_seed(99)
    network = create_model("unet16")
    head_before = network.head.weight.detach().clone()

    fine_tune_parent_load(network, parent.pk)

    state = network.state_dict()
    for key, value in pretrained_body(parent_state).items():
        assert torch.equal(state[key], value), key
    assert torch.equal(network.head.weight, head_before)  # the head is replaced, not reused
    assert not torch.equal(network.head.weight, parent_state["head.weight"])


def test_a_segmentation_job_fine_tuned_from_an_isl_version_records_its_parent(
    project, manager, make_volume
):
    add_specimens(project, make_volume, 4, sections=2)
    parent = _isl_version(project)
    job = tiny_job_launch(project, manager, epochs=1, from_version=parent.pk)
    job = training_job_run_foreground(job=job)
    assert job.status == "succeeded", job.error
    children = ModelVersion.objects.filter(job=job)
    assert {(c.parent_id, c.provenance, c.task) for c in children} == {
        (parent.pk, "fine_tuned", "segmentation")
    }


def test_fine_tuning_from_a_version_with_other_input_channels_is_refused(
    project, manager, make_volume
):
    add_specimens(project, make_volume, 4, sections=2)
    parent = _isl_version(project, in_channels=3)
    with pytest.raises(TrainingConfigError) as caught:
        training_job_launch(
            project=project, user=manager, config=tiny_config(from_version=parent.pk)
        )
    assert "takes 3 channels" in caught.value.errors["from_version"]
    assert caught.value.code == "channel_mismatch"
    assert not project.training_jobs.exists()


def test_manage_py_isl_runs_a_job_here_and_prints_the_pcc(project, stained):
    out = io.StringIO()
    call_command(
        "isl", "--project", project.slug, "--arch", "unet16", "--folds", "2", "--epochs", "1",
        "--input-size", "32", "--batch-size", "4", "--wait", stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "succeeded" in text and "PCC " in text


def test_manage_py_isl_refuses_a_project_without_pairs(project, specimen, make_volume):
    make_volume(specimen)
    with pytest.raises(CommandError, match="paired fluorescence"):
        call_command("isl", "--project", project.slug, "--wait")
