"""Timing helpers for consensus figures (imported by ``bench/consensus.py``; prints nothing).

The workload is the one docs/performance.md describes: three annotators' masks of one nucleus on a
448x448 section, each a disk jittered in centre (sd 3 px) and radius (sd 3 px) around a shared
nucleus whose position and radius (60-110 px) vary with the seed.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

_REPO_ROOT = Path(__file__).resolve().parents[1]
if str(_REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(_REPO_ROOT))

from annotations.consensus import majority_vote, staple  # noqa: E402
from annotations.demo import annotator_masks as realistic_masks  # noqa: E402

__all__ = ["realistic_masks", "time_majority_ms", "time_staple_ms"]


def _median_ms_over_sets(
    call: Callable[[list[np.ndarray]], object], n_sets: int, repeats: int
) -> float:
    """Median wall time of ``call`` over ``n_sets`` mask sets x ``repeats`` calls (1 warm-up)."""
    if n_sets < 1 or repeats < 1:
        raise ValueError("n_sets and repeats must be >= 1")
    sets = [realistic_masks(seed) for seed in range(n_sets)]
    call(sets[0])
    times = []
    for masks in sets:
        for _ in range(repeats):
            start = time.perf_counter()
            call(masks)
            times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def time_staple_ms(n_sets: int = 20, repeats: int = 3, **staple_kwargs: Any) -> float:
    """Median ms of :func:`annotations.consensus.staple` on realistic 3 x 448x448 masks.

    ``staple_kwargs`` go to ``staple`` (e.g. ``roi_margin=8`` to time the bounding-box variant).
    """
    return _median_ms_over_sets(lambda masks: staple(masks, **staple_kwargs), n_sets, repeats)


def time_majority_ms(n_sets: int = 20, repeats: int = 20) -> float:
    """Median ms of :func:`annotations.consensus.majority_vote` on the same masks."""
    return _median_ms_over_sets(majority_vote, n_sets, repeats)


def staple_roi_agreement(n_sets: int = 40, roi_margin: int = 8) -> dict[str, float]:
    """How far the bounding-box STAPLE (``roi_margin``) is from the whole-section STAPLE.

    Returns the number of mask sets compared, how many had identical masks, the largest number
    of differing pixels, and the largest probability and sensitivity differences.
    """
    identical = 0
    worst_pixels = 0
    worst_probability = 0.0
    worst_sensitivity = 0.0
    for seed in range(n_sets):
        masks = realistic_masks(seed)
        whole = staple(masks)
        boxed = staple(masks, roi_margin=roi_margin)
        differing = int(np.count_nonzero(whole.mask != boxed.mask))
        identical += differing == 0
        worst_pixels = max(worst_pixels, differing)
        worst_probability = max(
            worst_probability, float(np.abs(whole.probability - boxed.probability).max())
        )
        worst_sensitivity = max(
            worst_sensitivity,
            float(np.abs(np.subtract(whole.sensitivity, boxed.sensitivity)).max()),
        )
    return {
        "sets": float(n_sets),
        "identical_masks": float(identical),
        "max_differing_pixels": float(worst_pixels),
        "max_probability_difference": worst_probability,
        "max_sensitivity_difference": worst_sensitivity,
    }
