"""Time-lapse specimens without ground truth for prediction tests: a ball-shaped nucleus,
brighter than the medium, drifting a little per time point (optionally growing)."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.models import Specimen, Tag
from annotations.services.volumes import volume_create

VOXEL = (0.4, 0.2, 0.2)
MEDIUM = 1.337
NUCLEUS_RI = 1.367


def ball_mask(shape, centre, radius_um: float) -> np.ndarray:
    z, y, x = np.ogrid[: shape[0], : shape[1], : shape[2]]
    return (
        ((z - centre[0]) * VOXEL[0]) ** 2
        + ((y - centre[1]) * VOXEL[1]) ** 2
        + ((x - centre[2]) * VOXEL[2]) ** 2
    ) <= radius_um**2


def time_lapse(
    project,
    name: str,
    *,
    times: int = 3,
    shape=(8, 48, 48),
    tag: str | None = None,
    empty: bool = False,
    radius_um: float = 2.0,
    growth_um: float = 0.0,
    seed: int = 0,
    missing: tuple[int, ...] = (),
) -> tuple[Specimen, list[np.ndarray]]:
    """A specimen with ``times`` RI volumes (no ground truth); returns it and the true masks.
    At the time points in ``missing`` the nucleus is not seen (an out-of-focus frame)."""
    rng = np.random.default_rng(seed)
    specimen = Specimen.objects.create(project=project, name=name)
    if tag:
        specimen.tags.add(Tag.objects.get_or_create(project=project, name=tag)[0])
    masks = []
    for t in range(times):
        centre = (shape[0] / 2, shape[1] / 2 + t, shape[2] / 2 + t)
        mask = (
            np.zeros(shape, dtype=bool)
            if empty or t in missing
            else ball_mask(shape, centre, radius_um + growth_um * t)
        )
        nucleus_volume(specimen, mask, t, noise=0.002 * rng.standard_normal(shape))
        masks.append(mask)
    return specimen, masks


def nucleus_volume(specimen, mask: np.ndarray, time_index: int, *, noise=0.0) -> None:
    """``specimen``'s RI volume at ``time_index``: nucleus-bright where ``mask``, else medium."""
    ri = MEDIUM + noise + (NUCLEUS_RI - MEDIUM) * mask
    volume_create(
        specimen=specimen,
        data=ri.astype(np.float32),
        modality="ri",
        time_index=time_index,
        voxel_size=VOXEL,
    )


def dividing_frame(t: int, shape=(8, 64, 64)) -> np.ndarray:
    """The nuclei mask of time point ``t`` of a small time-lapse: a nucleus that never moves, one
    that drifts and divides at t3, and one that appears at t2 (t3 on: as at t3)."""
    mask = ball_mask(shape, (4, 14, 14), 2.0)
    if t < 3:
        mask |= ball_mask(shape, (4, 44, 43 + t), 2.0)
    else:
        mask |= ball_mask(shape, (4, 37, 38), 1.4) | ball_mask(shape, (4, 51, 52), 1.4)
    if t >= 2:
        mask |= ball_mask(shape, (4, 14, 48), 1.6)
    return mask


def threshold_sections(model, sections, *, modality="ri", tta=False, **_):
    """Stands in for the network where a test needs known nuclei: "probability" 1 where the
    RI is nucleus-bright."""
    return (np.asarray(sections) > (MEDIUM + NUCLEUS_RI) / 2).astype(np.float32)


@pytest.fixture
def known_nuclei(monkeypatch):
    """The prediction job's network replaced by ``threshold_sections``."""
    monkeypatch.setattr("inference.services.prediction.runner.predict_sections", threshold_sections)


@pytest.fixture
def active_model(project, manager):
    """A tiny model version, activated in the project."""
    from inference.services.model_versions import model_version_activate
    from tests.helpers_evaluation import tiny_model_version

    version = tiny_model_version(project, input_size=32)
    model_version_activate(version=version, user=manager)
    return version


def import_done(project, user, specimen, time_index: int):
    """A succeeded import job of ``specimen``'s RI volume at ``time_index`` (what "predict new
    imports" reads)."""
    from annotations.models import ImportJob
    from cellweb.jobs import JobStatus

    return ImportJob.objects.create(
        project=project,
        created_by=user,
        original_name=f"t{time_index}.npy",
        params={},
        specimen=specimen,
        status=JobStatus.SUCCEEDED,
        result={
            "volumes": [{"modality": "ri", "channel": "", "time_index": time_index, "shape": [8]}]
        },
    )
