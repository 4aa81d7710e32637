"""A series tracked before carries on where it stopped: linking its later time points to the
stored label images (whose values are track ids) gives the ids and parents one run over the
whole series gives, missed time points and divisions included."""

from __future__ import annotations

import numpy as np
import pytest

from inference.ml.tracking import Tracker, held_time_point

SHAPE = (1, 128, 128)


def drifting_nuclei(seed: int, times: int = 10, nuclei: int = 12) -> list[np.ndarray]:
    """Label images (labels shuffled each time point) of nuclei that drift, are missed now and
    then, and one of which divides half-way."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(16, 112, size=(nuclei, 2))
    yy, xx = np.ogrid[: SHAPE[1], : SHAPE[2]]
    frames = []
    for t in range(times):
        centres = np.clip(centres + rng.normal(0, 1.5, size=centres.shape), 8, 120)
        disks = [(c, 6.0) for c, seen in zip(centres, rng.random(nuclei) > 0.15) if seen]
        if t >= times // 2:  # the first nucleus has divided: two smaller ones either side
            disks += [(centres[0] + (0, 5), 3.5), (centres[0] - (0, 5), 3.5)]
        labels = np.zeros(SHAPE, dtype=np.int32)
        for label, k in enumerate(rng.permutation(len(disks)), start=1):
            (cy, cx), r = disks[k]
            labels[0][((yy - cy) ** 2 + (xx - cx) ** 2 <= r * r) & (labels[0] == 0)] = label
        frames.append(labels)
    return frames


def tracked(tracker: Tracker, frames) -> list[tuple[np.ndarray, dict[int, int]]]:
    return [tracker.link(labels) for labels in frames]


@pytest.mark.parametrize("max_gap", [0, 2])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_continuing_after_any_time_point_gives_the_whole_run_s_ids(max_gap, seed):
    frames = drifting_nuclei(seed)
    whole = tracked(Tracker(max_gap=max_gap), frames)
    assert any(parents for _, parents in whole)  # daughters are found, with their parents
    for split in range(1, len(frames)):
        held = [image for image, _ in whole[:split]]
        later = Tracker(max_gap=max_gap)
        top = max(int(image.max()) for image in held)
        later.continue_from([held_time_point(image) for image in held], top + 1)
        for (expected, expected_parents), (image, parents) in zip(
            whole[split:], tracked(later, frames[split:])
        ):
            assert np.array_equal(image, expected) and parents == expected_parents


def test_a_new_nucleus_after_a_continuation_gets_an_id_above_the_series():
    first = np.zeros(SHAPE, dtype=np.uint16)
    first[0, 10:20, 10:20] = 7  # the series had used ids up to 9
    tracker = Tracker(max_gap=2)
    tracker.continue_from([held_time_point(first)], 10)
    labels = np.zeros(SHAPE, dtype=np.int32)
    labels[0, 11:21, 10:20], labels[0, 60:70, 60:70] = 2, 1
    image, parents = tracker.link(labels)
    assert image[0, 15, 15] == 7 and image[0, 65, 65] == 10 and parents == {}
