"""Tracking nuclei across time points by overlap: ids are kept while nuclei move, a division
keeps the mother's id on one daughter and gives the other a new id with the mother as parent, and
a nucleus missed for a time point or two keeps its id when it comes back (gap closing)."""

from __future__ import annotations

import numpy as np
import pytest

from inference.ml.tracking import Tracker, link_time_point, relabel

SHAPE = (10, 64, 64)


def ball(centre, radius=5.0) -> np.ndarray:
    z, y, x = np.ogrid[: SHAPE[0], : SHAPE[1], : SHAPE[2]]
    return ((z - centre[0]) * 2) ** 2 + (y - centre[1]) ** 2 + (x - centre[2]) ** 2 <= radius**2


def frame(*balls) -> np.ndarray:
    labels = np.zeros(SHAPE, dtype=np.int32)
    for label, mask in enumerate(balls, start=1):
        labels[mask] = label
    return labels


def track(frames):
    """Run the linker over a list of label images; return the relabelled images and parents."""
    previous, tracks, next_id = None, None, 1
    out, parents = [], []
    for labels in frames:
        links = link_time_point(previous, tracks, labels, next_id=next_id)
        out.append(relabel(labels, links.track_of))
        parents.append({links.track_of[k]: v for k, v in links.parent_of.items()})
        previous, tracks, next_id = labels, links.track_of, links.next_id
    return out, parents


def test_two_moving_nuclei_keep_their_ids_and_a_division_starts_a_daughter_track() -> None:
    # Label numbers change from frame to frame on purpose: only the overlap may link them.
    t0 = frame(ball((5, 20, 16)), ball((5, 44, 44)))
    t1 = frame(ball((5, 46, 45)), ball((5, 21, 18)))  # listed the other way round
    mother = ball((5, 21, 20), radius=6.0)
    t2 = frame(ball((5, 48, 46)), mother)
    daughters = frame(ball((5, 17, 20), 4.5), ball((5, 48, 47)), ball((5, 25, 20), 4.5))
    tracked, parents = track([t0, t1, t2, daughters])

    a0 = int(tracked[0][5, 20, 16])
    b0 = int(tracked[0][5, 44, 44])
    assert {a0, b0} == {1, 2}
    assert int(tracked[1][5, 21, 18]) == a0 and int(tracked[1][5, 46, 45]) == b0
    assert int(tracked[2][5, 21, 20]) == a0 and int(tracked[2][5, 48, 46]) == b0
    last = tracked[3]
    assert int(last[5, 48, 47]) == b0
    first_daughter, second_daughter = int(last[5, 17, 20]), int(last[5, 25, 20])
    assert a0 in (first_daughter, second_daughter)
    new = second_daughter if first_daughter == a0 else first_daughter
    assert new == 3 and parents[3] == {3: a0}
    assert parents[:3] == [{}, {}, {}]


def test_a_nucleus_that_appears_elsewhere_starts_a_new_track_without_parent() -> None:
    t0 = frame(ball((5, 20, 20)))
    t1 = frame(ball((5, 20, 21)), ball((5, 50, 50)))
    tracked, parents = track([t0, t1])
    assert int(tracked[1][5, 20, 21]) == 1 and int(tracked[1][5, 50, 50]) == 2
    assert parents[1] == {}


def test_without_gap_closing_an_empty_time_point_ends_every_track() -> None:
    t0 = frame(ball((5, 20, 20)))
    empty = np.zeros(SHAPE, dtype=np.int32)
    tracked, _ = track([t0, empty, t0])
    assert not tracked[1].any()
    assert int(tracked[2][5, 20, 20]) == 2  # nothing to link to across the gap: a new track
    assert tracked[2].dtype == np.uint16


def run_tracker(frames, max_gap):
    tracker = Tracker(max_gap=max_gap)
    out = [tracker.link(labels) for labels in frames]
    return [labels for labels, _ in out], [parents for _, parents in out]


def test_a_nucleus_missed_at_one_time_point_keeps_its_id_when_it_comes_back() -> None:
    # Nucleus A at (20, 20) is missed at t1 (out of focus) and found again, moved a little, at t2;
    # B at (44, 44) is seen throughout; C appears at t2 far from both.
    a, b = ball((5, 20, 20)), ball((5, 44, 44))
    t0 = frame(a, b)
    t1 = frame(ball((5, 44, 45)))
    t2 = frame(ball((5, 50, 12)), ball((5, 45, 45)), ball((5, 21, 21)))
    tracked, parents = run_tracker([t0, t1, t2], max_gap=2)
    id_a, id_b = int(tracked[0][5, 20, 20]), int(tracked[0][5, 44, 44])
    assert int(tracked[1][5, 44, 45]) == id_b
    assert int(tracked[2][5, 21, 21]) == id_a
    assert int(tracked[2][5, 45, 45]) == id_b
    assert int(tracked[2][5, 50, 12]) == 3  # a new nucleus; A's id was not reused
    assert parents == [{}, {}, {}]
    # With gap closing off, A comes back as a new track.
    plain, _ = run_tracker([t0, t1, t2], max_gap=0)
    assert int(plain[2][5, 21, 21]) not in (id_a, id_b)


def test_gap_closing_bridges_empty_time_points_up_to_the_gap_and_no_further() -> None:
    t0 = frame(ball((5, 20, 20)))
    empty = np.zeros(SHAPE, dtype=np.int32)
    tracked, _ = run_tracker([t0, empty, empty, t0], max_gap=2)
    assert int(tracked[3][5, 20, 20]) == 1
    tracked, _ = run_tracker([t0, empty, empty, empty, t0], max_gap=2)
    assert int(tracked[4][5, 20, 20]) == 2


def test_a_lost_track_is_given_to_one_returning_nucleus_only() -> None:
    # A is missed at t1; at t2 two smaller nuclei cover A's last place: one continues A, the
    # other is a new track.
    t0 = frame(ball((5, 20, 20), radius=6.0))
    empty = np.zeros(SHAPE, dtype=np.int32)
    t2 = frame(ball((5, 20, 17), radius=3.5), ball((5, 20, 23), radius=3.5))
    tracked, _ = run_tracker([t0, empty, t2], max_gap=2)
    ids = sorted({int(tracked[2][5, 20, 17]), int(tracked[2][5, 20, 23])})
    assert ids == [1, 2]


def test_gap_closing_does_not_take_up_a_track_seen_at_the_time_point_before() -> None:
    # A moves 4 px from t0 to t1 (linked). At t2 a nucleus sits near A's t0 place (IoU 0.29)
    # but far from A at t1 (IoU 0.04, 7 % of its voxels): A was seen at t1, so it is not a lost
    # track; the nucleus is new, with no parent.
    t0 = frame(ball((5, 20, 20)))
    t1 = frame(ball((5, 20, 24)))
    t2 = frame(ball((5, 20, 16)))
    tracked, parents = run_tracker([t0, t1, t2], max_gap=2)
    assert int(tracked[1][5, 20, 24]) == 1
    assert int(tracked[2][5, 20, 16]) == 2 and parents[2] == {}


def test_a_new_field_of_view_starts_afresh_and_keeps_counting() -> None:
    tracker = Tracker(max_gap=2)
    tracker.link(frame(ball((5, 20, 20))))
    other = np.zeros((4, 32, 32), dtype=np.int32)
    other[1:3, 5:10, 5:10] = 1
    labels, _ = tracker.link(other)
    assert int(labels[2, 7, 7]) == 2


def test_gap_closing_matches_an_independent_overlap_count() -> None:
    # Three nuclei, the middle one missed at t1: ids at t2 follow the largest voxel overlap with
    # t0, counted here with numpy directly.
    rng = np.random.default_rng(3)
    centres = [(5, 16, 16), (5, 32, 40), (5, 50, 20)]
    t0 = frame(*(ball(c) for c in centres))
    t1 = frame(ball(centres[0]), ball(centres[2]))
    shifted = [
        (z, y + int(rng.integers(-1, 2)), x + int(rng.integers(-1, 2))) for z, y, x in centres
    ]
    t2 = frame(*(ball(c) for c in reversed(shifted)))
    tracked, _ = run_tracker([t0, t1, t2], max_gap=1)
    for label in range(1, 4):
        region = t2 == label
        overlap = np.bincount(t0[region], minlength=4)[1:]
        expected = int(tracked[0][t0 == int(np.argmax(overlap)) + 1][0])
        assert int(np.unique(tracked[2][region])[0]) == expected


def test_time_points_of_different_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="shape"):
        link_time_point(np.ones((2, 2, 2), np.int32), {1: 1}, np.ones((2, 3, 2), np.int32))


def test_a_negative_gap_is_refused() -> None:
    with pytest.raises(ValueError, match="max_gap"):
        Tracker(max_gap=-1)
