"""Native-crop training through the job: the automatic choice recorded in the job and its
versions, held-out fields scored whole at native resolution, and the stride refusal."""

from __future__ import annotations

from io import StringIO

import numpy as np
import pytest
import torch
from django.core.management import call_command
from sklearn.metrics import f1_score

from annotations.models import Specimen
from annotations.services.volumes import volume_array, volume_create
from inference.ml.data import normalise
from inference.ml.infer import predict_volume
from inference.ml.nets import create_model
from inference.models import ModelVersion, SectionResult, TrainingJob
from inference.services.model_versions import (
    model_version_create,
    model_version_load,
    weights_payload,
)
from inference.services.training import training_job_launch, training_job_run_foreground
from tests.helpers_evaluation import run_evaluation
from tests.helpers_training import (
    add_specimens,
    current_gt,
    tiny_config,
    tiny_job_launch,
    training_form,
)

pytestmark = pytest.mark.slow

H, W = 64, 96  # larger than the 32 px input in both dimensions


def bright_field_fields(project, n: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """``n`` specimens with one 2D bright-field field each and its confirmed mask; the (image,
    mask) arrays by specimen id."""
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[:H, :W]
    arrays = {}
    for i in range(n):
        specimen = Specimen.objects.create(project=project, name=f"field-{i:02d}", lab="A")
        mask = np.zeros((H, W), dtype=bool)
        for cy, cx in rng.integers((8, 8), (H - 8, W - 8), (3, 2)):
            mask |= (yy - cy) ** 2 + (xx - cx) ** 2 < 36
        image = (100 + 40 * mask + rng.normal(0, 5, mask.shape)).astype(np.float32)
        volume = volume_create(specimen=specimen, data=image, modality="brightfield")
        current_gt(volume.sections.get(), mask)
        arrays[specimen.pk] = (image, mask)
    return arrays


def test_large_bright_field_fields_train_on_native_crops_scored_whole(
    project, manager, single_thread_torch
):
    fields = bright_field_fields(project, 4)
    config = tiny_config(folds=2, epochs=1, crop_foreground=0.5)
    assert config.native_crops is None  # automatic
    job = training_job_launch(project=project, user=manager, config=config, queue=False)
    assert job.config["native_crops"] is True and job.config["crop_foreground"] == 0.5
    job = training_job_run_foreground(job=job, device="cpu")
    assert job.status == "succeeded", job.error

    for version in ModelVersion.objects.filter(job=job, kind="fold").select_related("fold"):
        assert version.config["native_crops"] is True
        held_out = {s["id"] for s in version.fold.val_specimens}
        model, _ = model_version_load(version, device=torch.device("cpu"))
        dices = []
        for specimen_id in sorted(held_out):
            image, truth = fields[specimen_id]
            prob = predict_volume(
                model,
                image[None],
                input_size=32,
                device=torch.device("cpu"),
                modality="brightfield",
            )[0]
            assert prob.shape == (H, W)  # native resolution, nothing resized
            dices.append(f1_score(truth.ravel(), prob.ravel() > 0.5, zero_division=1.0))
        assert version.metrics["sections"] == len(held_out)
        assert version.metrics["section_mean"]["dice"] == pytest.approx(np.mean(dices), abs=1e-6)


def test_ri_tomograms_keep_resizing_unless_native_crops_are_chosen(project, manager, make_volume):
    add_specimens(project, make_volume, 2, sections=2, size=64)
    auto = tiny_job_launch(project, manager)
    chosen = tiny_job_launch(project, manager, native_crops=True)
    assert auto.config["native_crops"] is False and chosen.config["native_crops"] is True


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (
            {"input_size": 40, "native_crops": True},
            "not a multiple of 16, the stride of the network",
        ),
        ({"input_size": 40, "native_crops": None}, "try 32 or 48"),
        ({"input_size": 40, "native_crops": False}, "multiple of 16"),
        ({"crop_foreground": 1.5}, "less than or equal to 1"),
    ],
)
def test_a_crop_size_off_the_networks_stride_is_refused_before_queueing(
    api,
    project,
    manager,
    queued,
    body,
    text,
):
    bright_field_fields(project, 2)
    response = api(manager).post(
        f"/api/projects/{project.slug}/training-jobs/",
        {"arch": "unet16", "folds": 2, "epochs": 1, **body},
        format="json",
    )
    assert response.status_code == 400
    assert text in response.content.decode()
    assert TrainingJob.objects.count() == 0 and queued == []


def test_the_form_and_manage_py_train_choose_native_crops(
    client, project, manager, make_volume, single_thread_torch
):
    add_specimens(project, make_volume, 2, sections=1, size=32)
    client.force_login(manager)
    page = client.get(f"/projects/{project.slug}/training/").content.decode()
    assert 'name="native_crops"' in page and 'name="crop_foreground"' in page
    form = training_form(
        arch="unet16",
        epochs=1,
        batch_size=4,
        input_size=32,
        native_crops="on",
        crop_foreground=0.25,
    )
    launched = client.post(f"/projects/{project.slug}/training/", form)
    assert launched.status_code == 302
    config = TrainingJob.objects.get().config
    assert config["native_crops"] is True and config["crop_foreground"] == 0.25

    refused = client.post(f"/projects/{project.slug}/training/", {**form, "input_size": 40})
    assert refused.status_code == 400 and "the stride of the network" in refused.content.decode()

    call_command(
        "train",
        *("--project", project.slug, "--arch", "unet16", "--folds", "2", "--epochs", "1"),
        *("--input-size", "32", "--native-crops", "off", "--wait", "--device", "cpu"),
        stdout=StringIO(),
    )
    job = TrainingJob.objects.order_by("-pk").first()
    assert job.status == "succeeded" and job.config["native_crops"] is False


def test_a_native_crop_version_is_evaluated_tiled_at_native_resolution(
    project, manager, make_volume, single_thread_torch
):
    """RI tomograms are resized by default; a version trained on native crops tiles them."""
    specimens = add_specimens(project, make_volume, 1, sections=2, size=80)
    torch.manual_seed(0)
    network = create_model("unet16").eval()
    # The random head rescaled (an affine map of the logits) so about half a section is above
    # 0.5: a mask with structure, which resizing and tiling draw differently.
    first = normalise(np.array(volume_array(specimens[0].volumes.get())[0]), "ri")
    with torch.no_grad():
        logits = network(first[None, None, :32, :32])
        scale = 4.0 / float(logits.std())
        network.head.weight.mul_(scale)
        network.head.bias.mul_(scale).sub_(float(logits.median()) * scale)
    version = model_version_create(
        project=project,
        name="native crops",
        arch="unet16",
        weights=weights_payload(network, arch="unet16", input_size=32),
        config={"input_size": 32, "native_crops": True},
        metrics={},
    )
    done = run_evaluation(project, manager, specimens=specimens, version=version)
    assert done.status == "succeeded", done.error

    model, _ = model_version_load(version, device=torch.device("cpu"))
    volume = specimens[0].volumes.get()
    array = np.array(volume_array(volume), dtype=np.float32)
    tiled, resized = (
        predict_volume(
            model,
            array,
            input_size=32,
            batch_size=8,
            device=torch.device("cpu"),
            modality="ri",
            tile_large=tile_large,
        )
        > 0.5
        for tile_large in (True, False)
    )
    rows = SectionResult.objects.filter(evaluation=done, method="model").order_by("z")
    assert [r.z for r in rows] == [0, 1]
    assert [r.pred_pixels for r in rows] == [int(p.sum()) for p in tiled]
    assert [r.pred_pixels for r in rows] != [int(p.sum()) for p in resized]
    # Scored on the native 80 x 80 grid: the ground truth's own pixel counts.
    assert tiled.shape == (2, 80, 80)
    assert [r.gt_pixels for r in rows] == [r.ground_truth.foreground_pixels for r in rows]
