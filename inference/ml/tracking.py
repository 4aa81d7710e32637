"""Linking nuclei across the time points of a time-lapse by overlap (paper 000's nucleus volume
over time, paper 001's per-organelle curves), so a nucleus keeps its id.

Consecutive instance label images are compared voxel by voxel. Each nucleus of time t takes the
track id of the nucleus of t-1 it overlaps best, one-to-one (Hungarian assignment on IoU, pairs
below ``min_iou`` refused). A nucleus left over that still overlaps a nucleus of t-1 by at least
``min_iou`` of its own voxels is a daughter: it gets a new id whose parent is that nucleus's track
(in a division the daughter that overlaps the mother best keeps her id, the other starts a new
track). Any
other nucleus starts a new track without a parent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["TrackLinks", "link_time_point", "relabel"]


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


def link_time_point(
    previous: np.ndarray | None,
    previous_tracks: dict[int, int] | None,
    current: np.ndarray,
    *,
    next_id: int = 1,
    min_iou: float = 0.1,
) -> TrackLinks:
    """Track ids for the labels 1..N of ``current`` given the labels and track ids of the time
    point before (``None`` for the first one). ``next_id`` is the first unused track id."""
    current = np.asarray(current)
    n_curr = int(current.max(initial=0))
    links = TrackLinks(next_id=next_id)
    present = set(np.unique(current[current > 0]).tolist())
    if previous is None or not previous_tracks or not present:
        for label in sorted(present):
            links.track_of[label] = links.next_id
            links.next_id += 1
        return links
    previous = np.asarray(previous)
    if previous.shape != current.shape:
        raise ValueError(f"time points differ in shape: {previous.shape} vs {current.shape}")
    joint, prev_sizes, curr_sizes = _overlaps(previous, current)
    union = prev_sizes[:, None] + curr_sizes[None, :] - joint
    iou = np.divide(joint, union, out=np.zeros(joint.shape), where=union > 0)
    rows, cols = linear_sum_assignment(-iou)
    for r, c in zip(rows, cols):
        label_prev, label_curr = int(r) + 1, int(c) + 1
        if iou[r, c] >= min_iou and label_prev in previous_tracks and label_curr in present:
            links.track_of[label_curr] = previous_tracks[label_prev]
    for label in range(1, n_curr + 1):
        if label not in present or label in links.track_of:
            continue
        column = joint[:, label - 1]
        best = int(np.argmax(column)) if column.size else -1
        if best >= 0 and column[best] >= min_iou * curr_sizes[label - 1]:
            parent = previous_tracks.get(best + 1)
            if parent is not None:
                links.parent_of[label] = parent
        links.track_of[label] = links.next_id
        links.next_id += 1
    return links


def relabel(labels: np.ndarray, track_of: dict[int, int]) -> np.ndarray:
    """``labels`` with every label replaced by its track id (uint16 when they fit, else int32)."""
    top = max(track_of.values(), default=0)
    table = np.zeros(int(labels.max(initial=0)) + 1, dtype=np.uint16 if top < 65536 else np.int32)
    for label, track in track_of.items():
        table[label] = track
    return table[labels]
