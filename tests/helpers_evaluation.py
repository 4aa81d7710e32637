"""Tiny evaluation data: RI volumes with a bright disk-shaped nucleus, its stain, ground truth,
and model versions (optionally the fold models of a cross-validation job)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from annotations.models import Specimen
from annotations.services.snapshots import ground_truth_snapshot_create
from inference.ml.nets import create_model
from inference.models import FoldRun, ModelVersion, TrainingJob
from inference.services.model_versions import model_version_create, weights_payload
from tests.helpers_training import current_gt, numbered_specimens

VOXEL = (0.4, 0.2, 0.2)


def disk_volume(
    z: int, size: int, rng: np.random.Generator, *, radius: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(ri, nucleus): an ellipsoid-ish nucleus brighter than a noisy medium; empty end sections."""
    yy, xx = np.mgrid[:size, :size]
    cy, cx = rng.integers(size // 3, 2 * size // 3, 2)
    top = radius or float(rng.uniform(size / 6, size / 4.5))
    nucleus = np.zeros((z, size, size), dtype=bool)
    for i in range(z):
        r = top * max(0.0, 1.0 - (abs(i - (z - 1) / 2) / (z / 2)) ** 2) ** 0.5
        nucleus[i] = (yy - cy) ** 2 + (xx - cx) ** 2 < r**2
    nucleus[0] = nucleus[-1] = False
    ri = 1.337 + 0.004 * rng.standard_normal((z, size, size)) + 0.03 * nucleus
    return ri.astype(np.float32), nucleus


def stain_of(nucleus: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return (100.0 + 900.0 * nucleus + rng.normal(0.0, 20.0, nucleus.shape)).astype(np.float32)


def add_gt(volume, masks: np.ndarray, source: str = "consensus", *, every: int = 1) -> None:
    for section in volume.sections.order_by("z"):
        if section.z % every:
            continue
        current_gt(section, masks[section.z], source)


def make_specimens(
    project,
    make_volume,
    n: int,
    *,
    z: int = 5,
    size: int = 32,
    lab: str = "Lab A",
    prefix: str = "cell",
    gt: str | None = "consensus",
    stain: bool = False,
    time_points: int = 1,
    tag: str | None = None,
    seed: int = 0,
) -> list[tuple[Specimen, list]]:
    """``n`` specimens; returns (specimen, [(volume, nucleus) per time point])."""
    from annotations.services.volumes import volume_create

    rng = np.random.default_rng(seed)
    made = []
    for specimen in numbered_specimens(project, n, prefix=prefix, lab=lab, tag=tag):
        volumes = []
        for t in range(time_points):
            ri, nucleus = disk_volume(z, size, rng)
            volume = volume_create(
                specimen=specimen, data=ri, modality="ri", time_index=t, voxel_size=VOXEL
            )
            if stain:
                volume_create(
                    specimen=specimen,
                    data=stain_of(nucleus, rng),
                    modality="fluorescence",
                    channel="DAPI",
                    time_index=t,
                    voxel_size=VOXEL,
                )
            if gt:
                add_gt(volume, nucleus, gt)
            volume.refresh_from_db()
            volumes.append((volume, nucleus))
        made.append((specimen, volumes))
    return made


def _specimen_list(specimens) -> list[dict]:
    return [{"id": s.pk, "name": s.name} for s in specimens]


def tiny_model_version(
    project,
    *,
    arch: str = "unet16",
    input_size: int = 32,
    train=(),
    val=(),
    job=None,
    fold=None,
    seed: int = 0,
    name: str = "tiny model",
    kind: str = "fold",
) -> ModelVersion:
    torch.manual_seed(seed)
    model = create_model(arch)
    with torch.no_grad():
        # An untrained head gives probabilities within 0.5 ± 0.01; a steeper head spreads them
        # over [0, 1] like a trained network's, which is what AUC-PR's binning is built for.
        model.head.weight.mul_(40.0)
    return model_version_create(
        project=project,
        name=name,
        arch=arch,
        weights=weights_payload(model, arch=arch, input_size=input_size),
        kind=kind,
        job=job,
        fold=fold,
        config={"arch": arch, "input_size": input_size},
        snapshot=job.snapshot if job else None,
        train_specimens=_specimen_list(train),
        val_specimens=_specimen_list(val),
    )


def cross_validation_job(project, specimens: list[Specimen], *, folds: int = 2, source="consensus"):
    """A finished training job whose fold models each hold out every ``folds``-th specimen."""
    snapshot = ground_truth_snapshot_create(project=project, source=source)
    job = TrainingJob.objects.create(
        project=project,
        config={"arch": "unet16", "folds": folds, "input_size": 32, "gt_source": source},
        snapshot=snapshot,
        status="succeeded",
    )
    versions = []
    for index in range(folds):
        val = specimens[index::folds]
        train = [s for s in specimens if s not in val]
        fold = FoldRun.objects.create(
            job=job,
            index=index,
            status="succeeded",
            train_specimens=_specimen_list(train),
            val_specimens=_specimen_list(val),
        )
        versions.append(
            tiny_model_version(
                project,
                job=job,
                fold=fold,
                train=train,
                val=val,
                seed=index,
                name=f"fold {index + 1}",
            )
        )
    return job, versions


def launch_evaluation(
    project, user, *, specimens=None, version=None, set_kind="specimens", **launch
):
    """Launch an evaluation without queueing it: it waits, queued, for ``run_evaluation``."""
    from inference.services.evaluation import evaluation_launch

    params = {"specimen_ids": [s.pk for s in specimens]} if specimens is not None else None
    return evaluation_launch(
        project=project,
        user=user,
        model_version_id=version.pk if version else None,
        set_kind=set_kind,
        set_params=params,
        queue=False,
        **launch,
    )


def run_evaluation(project, user, **launch):
    """Launch an evaluation and run it here to its end (no worker)."""
    from inference.services.evaluation import evaluation_run

    evaluation = launch_evaluation(project, user, **launch)
    return evaluation_run(evaluation_id=evaluation.pk, device="cpu")


@pytest.fixture(name="data")
def two_stained_specimens(project, make_volume):
    """The fixture ``data`` of the API and page tests of evaluations: two specimens of four
    32×32 sections with a stain and ground truth."""
    return make_specimens(project, make_volume, 2, z=4, size=32, stain=True)


@pytest.fixture(name="finished")
def finished_evaluation(project, manager, data):
    """The fixture ``finished`` of the API and page tests of evaluations: the tiny model evaluated
    over both specimens of ``data``, succeeded."""
    version = tiny_model_version(project)
    done = run_evaluation(project, manager, specimens=[s for s, _ in data], version=version)
    assert done.status == "succeeded", done.error
    return done
