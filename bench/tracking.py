"""Tracking figures: how many ids a nucleus gets over a time-lapse in which the segmentation
misses it now and then, with and without gap closing, and what gap closing costs (pure code).

    python bench/tracking.py

A field of 1024x1024 pixels holds 60 nuclei (radius 9-14 px) that drift and jitter a few pixels
per time point over 40 time points. At each time point every nucleus is missed with probability
0.08 (out of focus, a dim frame), and one time point in 20 is lost whole. The true identity of
every labelled pixel is known, so:

- ``track_ids_per_nucleus_gap0`` / ``_gap2``: mean number of distinct track ids a true nucleus
  receives over the time-lapse (1 is perfect), linking consecutive time points only, and
  bridging up to two missed time points (the prediction default);
- ``tracks_mixing_nuclei_gap0`` / ``_gap2``: track ids that cover more than one true nucleus
  (0 is perfect; nuclei that cross each other can swap ids with either setting, and gap closing
  must not add any by handing a lost id to a neighbour);
- ``tracker_ms_per_time_point_gap0`` / ``_gap2`` and ``tracker_gap2_vs_gap0``: median time to
  link one time point, and the ratio, both measured in this process.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, ensure_malloc_env, figure, median_ms

sys.path.insert(0, str(REPO_ROOT))
ensure_malloc_env()

import numpy as np  # noqa: E402

from inference.ml.tracking import Tracker  # noqa: E402

SHAPE = (1, 1024, 1024)
N_NUCLEI, TIMES = 60, 40
P_MISSED, P_FRAME_LOST = 0.08, 0.05


def simulate(seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Segmented label images (labels 1..n, shuffled each time point) and, per time point, the
    true nucleus index of each label (``truth[t][label]``)."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(60, SHAPE[1] - 60, size=(N_NUCLEI, 2))
    radii = rng.uniform(9, 14, size=N_NUCLEI)
    drift = rng.normal(0, 1.5, size=(N_NUCLEI, 2))
    yy, xx = np.ogrid[: SHAPE[1], : SHAPE[2]]
    frames, truths = [], []
    for _t in range(TIMES):
        centres = np.clip(centres + drift + rng.normal(0, 1.0, size=centres.shape), 20, 1004)
        seen = rng.random(N_NUCLEI) >= P_MISSED
        if rng.random() < P_FRAME_LOST:
            seen[:] = False
        labels = np.zeros(SHAPE, dtype=np.int32)
        order = rng.permutation(np.flatnonzero(seen))
        truth = np.zeros(len(order) + 1, dtype=np.int64) - 1
        for label, k in enumerate(order, start=1):
            (cy, cx), r = centres[k], radii[k]
            disk = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
            labels[0][disk & (labels[0] == 0)] = label
            truth[label] = k
        frames.append(labels)
        truths.append(truth)
    return frames, truths


def score(frames, truths, max_gap: int) -> tuple[float, int]:
    tracker = Tracker(max_gap=max_gap)
    ids_of: dict[int, set[int]] = {}
    nuclei_of: dict[int, set[int]] = {}
    for labels, truth in zip(frames, truths):
        tracked, _ = tracker.link(labels)
        for label in range(1, len(truth)):
            track = int(np.bincount(tracked[labels == label]).argmax())
            ids_of.setdefault(int(truth[label]), set()).add(track)
            nuclei_of.setdefault(track, set()).add(int(truth[label]))
    per_nucleus = float(np.mean([len(v) for v in ids_of.values()]))
    mixing = sum(1 for v in nuclei_of.values() if len(v) > 1)
    return per_nucleus, mixing


def time_per_point(frames, max_gap: int) -> float:
    def run() -> None:
        tracker = Tracker(max_gap=max_gap)
        for labels in frames:
            tracker.link(labels)

    return median_ms(run, repeat=3) / len(frames)


def main() -> None:
    frames, truths = simulate()
    for gap in (0, 2):
        ids, mixing = score(frames, truths, max_gap=gap)
        figure(f"track_ids_per_nucleus_gap{gap}", round(ids, 2), "ids")
        figure(f"tracks_mixing_nuclei_gap{gap}", mixing, "tracks")
    ms0 = time_per_point(frames, 0)
    ms2 = time_per_point(frames, 2)
    figure("tracker_ms_per_time_point_gap0", round(ms0, 1), "ms")
    figure("tracker_ms_per_time_point_gap2", round(ms2, 1), "ms")
    figure("tracker_gap2_vs_gap0", round(ms2 / ms0, 2), "x")


if __name__ == "__main__":
    main()
