"""Tiny synthetic training data: specimens with RI sections and confirmed disk-shaped nuclei."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from django.utils import timezone

from annotations.imaging.masks import encode_mask
from annotations.models import GroundTruth, Specimen, Tag
from inference.services.training import TrainingConfig

# Training processes in these tests use one torch thread: on a loaded 2-core machine OpenMP's
# spinning threads make tiny batches tens of times slower, not faster.
SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@pytest.fixture
def single_thread_torch():
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
    made = []
    start = Specimen.objects.filter(project=project).count()
    for i in range(n):
        specimen = Specimen.objects.create(
            project=project, name=f"{prefix}-{start + i:02d}", lab=lab
        )
        if tag:
            specimen.tags.add(Tag.objects.get_or_create(project=project, name=tag)[0])
        pairs = [disk_section(size, rng) for _ in range(sections)]
        volume = make_volume(specimen, np.stack([p[0] for p in pairs]))
        for section, (_, mask) in zip(volume.sections.order_by("z"), pairs):
            GroundTruth.objects.create(
                section=section,
                source=source,
                version=1,
                mask_png=encode_mask(mask),
                foreground_pixels=int(mask.sum()),
                confirmed_at=timezone.now(),
                is_current=True,
            )
        made.append(specimen)
    return made


def tiny_config(**overrides) -> TrainingConfig:
    return TrainingConfig(**{**TINY, **overrides})


def wait_for_job(job_id: int, *, timeout: float = 120.0, until=None, logs=None):
    """Poll the database until the job ends (or ``until(job)`` holds); fail with the worker logs."""
    import time

    from inference.models import TrainingJob

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = TrainingJob.objects.get(pk=job_id)
        if until(job) if until else job.is_final:
            return job
        time.sleep(0.2)
    folds = list(
        TrainingJob.objects.get(pk=job_id).folds.values(
            "index", "status", "epoch", "attempts", "error"
        )
    )
    tail = "\n".join(p.log_text()[-3000:] for p in (logs or []))
    raise AssertionError(f"training job {job_id} did not get there in {timeout} s: {folds}\n{tail}")
