"""Several annotators' masks of one nucleus, for consensus tests and benchmarks."""

from __future__ import annotations

import numpy as np

SECTION_SIZE = 448


def annotator_masks(seed: int, n_annotators: int = 3, size: int = SECTION_SIZE) -> list[np.ndarray]:
    """``n_annotators`` jittered disks around one nucleus (bool, ``size`` x ``size``).

    Each disk moves its centre and radius by a few pixels (sd 3 px) around a shared nucleus whose
    position and radius (60-110 px on a 448x448 section, scaled with ``size``) vary with ``seed``.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    scale = size / SECTION_SIZE
    cy, cx = rng.uniform(150 * scale, 300 * scale, 2)
    radius = rng.uniform(60 * scale, 110 * scale)
    return [
        (yy - cy - rng.normal(0, 3)) ** 2 + (xx - cx - rng.normal(0, 3)) ** 2
        <= (radius + rng.normal(0, 3)) ** 2
        for _ in range(n_annotators)
    ]
