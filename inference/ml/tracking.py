"""Linking nuclei across the time points of a time-lapse by overlap (paper 000's nucleus volume
over time, paper 001's per-organelle curves), so a nucleus keeps its id.

Consecutive instance label images are compared voxel by voxel. Each nucleus of time t takes the
track id of the nucleus of t-1 it overlaps best, one-to-one (Hungarian assignment on IoU, pairs
below ``min_iou`` refused). A nucleus left over that still overlaps a nucleus of t-1 by at least
``min_iou`` of its own voxels is a daughter: it gets a new id whose parent is that nucleus's track
(in a division the daughter that overlaps the mother best keeps her id, the other starts a new
track).

A nucleus the segmentation missed for a time point or two (out of focus, a dim frame, an empty
time point) would otherwise come back under a new id. ``Tracker`` keeps the last ``max_gap``
time points before the previous one: a nucleus left over after the first matching is first
matched, one-to-one on IoU again, to the tracks last seen there (tracks ended within the gap, most
recent time point first), and keeps that id, as TrackMate's gap closing does. Only then is it a
daughter or a new track. Any other nucleus starts a new track without a parent.

A series tracked before carries on where it stopped (``Tracker.continue_from``): a stored
label image holds track ids, so it is its own labels with every id its own track
(``held_time_point``), and the ids it meets are those the run that tracked it had met.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = [
    "MAX_TRACK_GAP",
    "TrackLinks",
    "Tracker",
    "held_time_point",
    "link_time_point",
    "relabel",
]

# The most time points a prediction may bridge: a longer gap is another nucleus more often
# than the same one come back.
MAX_TRACK_GAP = 10


@dataclass
class TrackLinks:
    """Track id (and parent track, for a daughter) of every label of one time point."""

    track_of: dict[int, int] = field(default_factory=dict)
    parent_of: dict[int, int] = field(default_factory=dict)
    next_id: int = 1


def _overlaps(previous: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, ...]:
    """Joint voxel counts (prev label x current label) and each side's sizes, labels 1..N."""
    n_prev = int(previous.max(initial=0))
    n_curr = int(current.max(initial=0))
    both = (previous > 0) & (current > 0)
    pairs = previous[both].astype(np.int64) * (n_curr + 1) + current[both]
    joint = np.bincount(pairs, minlength=(n_prev + 1) * (n_curr + 1)).reshape(
        n_prev + 1, n_curr + 1
    )
    prev_sizes = np.bincount(previous.ravel(), minlength=n_prev + 1)
    curr_sizes = np.bincount(current.ravel(), minlength=n_curr + 1)
    return joint[1:, 1:], prev_sizes[1:], curr_sizes[1:]


def _iou(joint: np.ndarray, a_sizes: np.ndarray, b_sizes: np.ndarray) -> np.ndarray:
    union = a_sizes[:, None] + b_sizes[None, :] - joint
    return np.divide(joint, union, out=np.zeros(joint.shape), where=union > 0)


def _assign(iou: np.ndarray, rows_ok, cols_ok, min_iou: float) -> list[tuple[int, int]]:
    """One-to-one (row label, column label) pairs of best total IoU, each at least ``min_iou``,
    among the rows and columns allowed (labels are indices + 1)."""
    allowed = np.zeros(iou.shape, dtype=bool)
    allowed[np.ix_(rows_ok, cols_ok)] = True
    score = np.where(allowed, iou, 0.0)
    rows, cols = linear_sum_assignment(-score)
    return [
        (int(r) + 1, int(c) + 1)
        for r, c in zip(rows, cols)
        if allowed[r, c] and score[r, c] >= min_iou
    ]


def _close_gaps(
    earlier: Sequence[tuple[np.ndarray, dict[int, int]]],
    current: np.ndarray,
    links: TrackLinks,
    present: set[int],
    taken: set[int],
    min_iou: float,
) -> None:
    """Give leftover labels of ``current`` the track they overlap best among tracks last seen
    in ``earlier`` (most recent first): not in ``taken`` (the previous time point's tracks), not
    seen since and not given yet."""
    taken = taken | set(links.track_of.values())
    for labels, tracks in earlier:
        if np.shape(labels) != current.shape:
            raise ValueError(f"time points differ in shape: {np.shape(labels)} vs {current.shape}")
        leftovers = sorted(present - links.track_of.keys())
        lost = [label for label, track in tracks.items() if track not in taken]
        if not leftovers or not lost:
            taken.update(tracks.values())
            continue
        joint, old_sizes, curr_sizes = _overlaps(np.asarray(labels), current)
        iou = _iou(joint, old_sizes, curr_sizes)
        rows_ok = [label - 1 for label in lost if label <= iou.shape[0]]
        cols_ok = [label - 1 for label in leftovers]
        for label_old, label_curr in _assign(iou, rows_ok, cols_ok, min_iou):
            links.track_of[label_curr] = tracks[label_old]
        taken.update(tracks.values())


def link_time_point(
    previous: np.ndarray | None,
    previous_tracks: dict[int, int] | None,
    current: np.ndarray,
    *,
    next_id: int = 1,
    min_iou: float = 0.1,
    earlier: Sequence[tuple[np.ndarray, dict[int, int]]] = (),
) -> TrackLinks:
    """Track ids for the labels 1..N of ``current`` given the labels and track ids of the time
    point before (``None`` for the first one). ``next_id`` is the first unused track id.
    ``earlier``: (labels, track ids) of the time points before that, most recent first, whose
    tracks missing from ``previous`` may be taken up again (gap closing)."""
    current = np.asarray(current)
    n_curr = int(current.max(initial=0))
    links = TrackLinks(next_id=next_id)
    present = set(np.unique(current[current > 0]).tolist())
    previous_tracks = previous_tracks or {}
    joint = None
    if previous is not None and previous_tracks and present:
        previous = np.asarray(previous)
        if previous.shape != current.shape:
            raise ValueError(f"time points differ in shape: {previous.shape} vs {current.shape}")
        joint, prev_sizes, curr_sizes = _overlaps(previous, current)
        iou = _iou(joint, prev_sizes, curr_sizes)
        rows_ok = [label - 1 for label in previous_tracks if label <= iou.shape[0]]
        cols_ok = [label - 1 for label in present]
        for label_prev, label_curr in _assign(iou, rows_ok, cols_ok, min_iou):
            links.track_of[label_curr] = previous_tracks[label_prev]
    if earlier and present:
        taken = set(previous_tracks.values())
        _close_gaps(earlier, current, links, present, taken, min_iou)
    for label in range(1, n_curr + 1):
        if label not in present or label in links.track_of:
            continue
        if joint is not None:
            column = joint[:, label - 1]
            best = int(np.argmax(column)) if column.size else -1
            if best >= 0 and column[best] >= min_iou * curr_sizes[label - 1]:
                parent = previous_tracks.get(best + 1)
                if parent is not None:
                    links.parent_of[label] = parent
        links.track_of[label] = links.next_id
        links.next_id += 1
    return links


class Tracker:
    """Links the time points of one field of view in order, bridging up to ``max_gap`` time
    points in which a nucleus was missed (0: consecutive time points only). A time point of
    another shape is another field of view and starts afresh (track ids keep counting)."""

    def __init__(self, *, max_gap: int = 2, min_iou: float = 0.1) -> None:
        if max_gap < 0:
            raise ValueError("max_gap must be 0 or more")
        self.min_iou = min_iou
        self.history: deque[tuple[np.ndarray, dict[int, int]]] = deque(maxlen=max_gap + 1)
        self.next_id = 1

    def continue_from(
        self, history: Sequence[tuple[np.ndarray, dict[int, int]]], next_id: int
    ) -> None:
        """Carry on a series tracked before: ``history`` the (labels, track ids) of its last
        time points, oldest first (``held_time_point``), ``next_id`` above every id it used. The
        next ``link`` then gives what linking the whole series in one run would have given."""
        self.history.clear()
        self.history.extend(history[-(self.history.maxlen or 1) :])
        self.next_id = max(self.next_id, next_id)

    def link(self, labels: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
        """``labels`` (1..N) with their track ids, and the parent track of each daughter."""
        labels = np.asarray(labels)
        if self.history and self.history[-1][0].shape != labels.shape:
            self.history.clear()
        previous, tracks = self.history[-1] if self.history else (None, None)
        earlier = list(self.history)[-2::-1]
        links = link_time_point(
            previous, tracks, labels, next_id=self.next_id, min_iou=self.min_iou, earlier=earlier
        )
        # Kept as 16-bit where the labels fit: a tomogram's history is then up to max_gap + 1
        # label images of two bytes a voxel.
        kept = labels.astype(np.uint16, copy=False) if labels.max(initial=0) < 65536 else labels
        self.history.append((kept, links.track_of))
        self.next_id = links.next_id
        parents = {links.track_of[k]: v for k, v in links.parent_of.items()}
        return relabel(labels, links.track_of), parents


def held_time_point(tracked: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
    """A stored label image whose values are track ids, as a tracker's history holds a time
    point: its labels, each its own track."""
    tracked = np.asarray(tracked)
    ids = np.unique(tracked[tracked > 0]).tolist()
    kept = tracked.astype(np.uint16, copy=False) if tracked.max(initial=0) < 65536 else tracked
    return kept, {int(i): int(i) for i in ids}


def relabel(labels: np.ndarray, track_of: dict[int, int]) -> np.ndarray:
    """``labels`` with every label replaced by its track id (uint16 when they fit, else int32)."""
    top = max(track_of.values(), default=0)
    table = np.zeros(int(labels.max(initial=0)) + 1, dtype=np.uint16 if top < 65536 else np.int32)
    for label, track in track_of.items():
        table[label] = track
    return table[labels]
