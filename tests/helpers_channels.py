"""Tiny two-channel (bright-field + phase) training data with confirmed disk-shaped nuclei."""

from __future__ import annotations

import numpy as np

from annotations.models import Specimen
from annotations.services.volumes import volume_create
from tests.helpers_training import current_gt, numbered_specimens

CHANNELS = ["bf", "phase"]


def bf_phase_section(size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(2, y, x) bright-field (dark nucleus) + phase (bright nucleus), and the nucleus mask."""
    yy, xx = np.mgrid[:size, :size]
    cy, cx = rng.integers(size // 3, 2 * size // 3, 2)
    radius = rng.integers(size // 8, size // 4)
    mask = (yy - cy) ** 2 + (xx - cx) ** 2 < radius**2
    bf = 900 - 250 * mask + 20 * rng.random((size, size))
    phase = 0.1 + 0.6 * mask + 0.05 * rng.random((size, size))
    return np.stack([bf, phase]).astype(np.float32), mask


def add_bf_phase_specimens(
    project, n: int, *, sections: int = 2, size: int = 32, seed: int = 0
) -> list[Specimen]:
    """``n`` specimens, each one bright-field + phase volume whose sections all have current
    ground truth."""
    rng = np.random.default_rng(seed)
    made = numbered_specimens(project, n, prefix="bfph")
    for specimen in made:
        pairs = [bf_phase_section(size, rng) for _ in range(sections)]
        volume = volume_create(
            specimen=specimen,
            data=np.stack([p[0] for p in pairs]),
            modality="brightfield",
            channel_names=CHANNELS,
        )
        for section, (_, mask) in zip(volume.sections.order_by("z"), pairs):
            current_gt(section, mask)
    return made
