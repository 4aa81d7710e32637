"""Tracking nuclei across time points by overlap: ids are kept while nuclei move, a division
keeps the mother's id on one daughter and gives the other a new id with the mother as parent."""

from __future__ import annotations

import numpy as np
import pytest

from inference.ml.tracking import link_time_point, relabel

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


def test_an_empty_time_point_breaks_no_track_numbering() -> None:
    t0 = frame(ball((5, 20, 20)))
    empty = np.zeros(SHAPE, dtype=np.int32)
    tracked, _ = track([t0, empty, t0])
    assert not tracked[1].any()
    assert int(tracked[2][5, 20, 20]) == 2  # nothing to link to across the gap: a new track
    assert tracked[2].dtype == np.uint16


def test_time_points_of_different_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="shape"):
        link_time_point(np.ones((2, 2, 2), np.int32), {1: 1}, np.ones((2, 3, 2), np.int32))
