"""Tiny synthetic training data: specimens with RI sections and confirmed disk-shaped nuclei."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from django.utils import timezone

from annotations.imaging.masks import encode_mask
from annotations.models import GroundTruth, Specimen, Tag
from inference.models import TrainingJob
from inference.services.training import TrainingConfig, training_job_launch
from tests.helpers_jobs import poll_job

# Training processes in these tests use one torch thread: on a loaded 2-core machine OpenMP's
# spinning threads make tiny batches tens of times slower, not faster.
SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# The pooled pixel metrics every section, fold and evaluation summary reports (paper 000).
POOLED_METRICS = frozenset({"dice", "jaccard", "f05", "precision", "recall", "auc_pr"})


@pytest.fixture
def single_thread_torch():
    """Run a test's torch work on one thread: tiny tensors gain nothing from a second one, and
    on a busy shared machine its spinning turns a seconds-long training run into minutes."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


TINY = {
    "arch": "unet16",
    "folds": 2,
    "epochs": 2,
    "batch_size": 4,
    "input_size": 32,
    "elastic": False,
}


def disk_section(size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[:size, :size]
    cy, cx = rng.integers(size // 3, 2 * size // 3, 2)
    radius = rng.integers(size // 8, size // 4)
    mask = (yy - cy) ** 2 + (xx - cx) ** 2 < radius**2
    image = 1.337 + 0.02 * rng.random((size, size)) + 0.03 * mask
    return image.astype(np.float32), mask


def numbered_specimens(
    project, n: int, *, prefix: str, lab: str = "Lab A", tag: str | None = None
) -> list[Specimen]:
    """``n`` new specimens named ``prefix-NN``, numbered on from the project's count."""
    start = Specimen.objects.filter(project=project).count()
    made = []
    for i in range(n):
        specimen = Specimen.objects.create(
            project=project, name=f"{prefix}-{start + i:02d}", lab=lab
        )
        if tag:
            specimen.tags.add(Tag.objects.get_or_create(project=project, name=tag)[0])
        made.append(specimen)
    return made


def current_gt(section, mask: np.ndarray, source: str = "consensus") -> GroundTruth:
    """Version 1 of ``section``'s ground truth from ``source``, confirmed now and current."""
    return GroundTruth.objects.create(
        section=section,
        source=source,
        version=1,
        mask_png=encode_mask(mask),
        foreground_pixels=int(mask.sum()),
        confirmed_at=timezone.now(),
        is_current=True,
    )


def add_specimens(
    project,
    make_volume,
    n: int,
    *,
    sections: int = 3,
    size: int = 32,
    lab: str = "Lab A",
    source: str = "consensus",
    prefix: str = "train-cell",
    tag: str | None = None,
    seed: int = 0,
) -> list[Specimen]:
    """``n`` specimens, each with one RI volume whose sections all have current ground truth."""
    rng = np.random.default_rng(seed)
    made = numbered_specimens(project, n, prefix=prefix, lab=lab, tag=tag)
    for specimen in made:
        pairs = [disk_section(size, rng) for _ in range(sections)]
        volume = make_volume(specimen, np.stack([p[0] for p in pairs]))
        for section, (_, mask) in zip(volume.sections.order_by("z"), pairs):
            current_gt(section, mask, source)
    return made


@pytest.fixture(name="five_cells")
def five_specimens(project, make_volume):
    """Five specimens of two sections each with confirmed ground truth, for training tests."""
    return add_specimens(project, make_volume, 5, sections=2)


def tiny_config(**overrides) -> TrainingConfig:
    return TrainingConfig(**{**TINY, **overrides})


def tiny_job_launch(project, user, **overrides) -> TrainingJob:
    """A training job of ``tiny_config(**overrides)`` launched by ``user`` and not queued: its
    folds wait for ``training_job_run_foreground`` or ``fold_run_execute`` here."""
    return training_job_launch(
        project=project, user=user, config=tiny_config(**overrides), queue=False
    )


def wait_for_job(job_id: int, *, timeout: float = 120.0, until=None, logs=None):
    """Poll the database until the job ends (or ``until(job)`` holds); fail with the worker logs."""

    def failure(job) -> str:
        folds = list(job.folds.values("index", "status", "epoch", "attempts", "error"))
        tail = "\n".join(p.log_text()[-3000:] for p in (logs or []))
        return f"training job {job_id} did not get there in {timeout} s: {folds}\n{tail}"

    return poll_job(TrainingJob, job_id, timeout=timeout, until=until, failure=failure)


def training_form(**fields) -> dict:
    """The training page's launch form as posted: the paper's settings (osnet, 300 epochs, batch
    32, input 448) with 2 folds on confirmed consensus, changed by ``fields``."""
    return {
        "gt_source": "consensus",
        "arch": "osnet",
        "folds": 2,
        "epochs": 300,
        "batch_size": 32,
        "lr": 0.0005,
        "beta1": 0.5,
        "beta2": 0.999,
        "loss": "bce",
        "aug_fraction": 0.3,
        "input_size": 448,
        "seed": 0,
    } | fields
