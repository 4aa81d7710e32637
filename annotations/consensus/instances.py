"""Consensus and agreement of several annotators' instance maps (one class of nuclei).

Each annotator's map numbers their nuclei (0 = none, any positive id = one nucleus). Steps:

1. **Match.** For every pair of annotators, the IoU of each of one's nuclei with each of the
   other's, and a one-to-one Hungarian assignment maximising total IoU
   (``scipy.optimize.linear_sum_assignment``); pairs with IoU >= ``match_iou`` (0.5) match.
2. **Group.** Matched pairs join nuclei into groups, strongest IoU first, never two nuclei of one
   annotator in a group; a nucleus nobody else matched is a group of one.
3. **Keep.** A group is a consensus nucleus when a strict majority of the annotators drew it
   (more than n / 2, so a tie is not kept, as everywhere in this package).
4. **Pixels.** A pixel belongs to a kept nucleus when more than half of the annotators who drew
   that nucleus included it. Where two kept nuclei both pass, the one with the larger share of
   its annotators wins; an equal share is a tie and gives background. So where annotators
   disagree on the border between two touching nuclei, the disputed strip goes to the nucleus
   that more of them put it in, and stays empty when they are evenly split.

Agreement per instance: for each pair of annotators, the F1 of their matched nuclei,
2·TP / (2·TP + FP + FN) with TP the matches at IoU >= 0.5 (1.0 when neither drew any), with the
nuclei left unmatched on each side listed for the review page.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from annotations.imaging.labels import InstanceMap
from annotations.imaging.overlap import scores_from_counts

__all__ = [
    "ConsensusNucleus",
    "InstanceAgreement",
    "InstanceConsensusResult",
    "PairInstanceAgreement",
    "instance_agreement",
    "instance_consensus",
    "instance_consensus_per_class",
]

MATCH_IOU = 0.5
_TABLE_LIMIT = 1 << 22


@dataclass(frozen=True)
class PairInstanceAgreement:
    """Nuclei of annotators ``a`` and ``b`` matched at IoU >= the threshold, and the rest."""

    a: str
    b: str
    f1: float
    matches: list[tuple[int, int, float]]  # (id in a's map, id in b's map, IoU)
    unmatched_a: list[int]
    unmatched_b: list[int]


@dataclass(frozen=True)
class InstanceAgreement:
    """Every pair's nucleus F1 and their mean (the unweighted mean over pairs)."""

    pairs: list[PairInstanceAgreement]
    mean_f1: float
    iou_threshold: float


@dataclass(frozen=True)
class ConsensusNucleus:
    """One group of matched nuclei: who drew it (annotator -> their id) and whether it is kept.

    ``label`` is its id in the consensus map (0 when not kept); ``pixels`` its consensus area.
    """

    label: int
    members: dict[str, int]
    kept: bool
    pixels: int


@dataclass(frozen=True)
class InstanceConsensusResult:
    """The consensus instance map (uint16, 1..N), every group of nuclei, and the agreement."""

    instances: np.ndarray
    nuclei: list[ConsensusNucleus]
    agreement: InstanceAgreement


class _Annotator:
    """One annotator's ids at the pixels anyone labelled, numbered 1..N (``seq``), and the
    original id of each number (``ids``). Working on those pixels only, not on the whole
    section, is what keeps a crowded field fast: background is most of any section."""

    def __init__(self, name: str, values: np.ndarray) -> None:
        self.name = name
        self.ids, self.seq = _numbered(values)
        self.areas = np.bincount(self.seq, minlength=len(self.ids) + 1)


def _numbered(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct positive values, each value's rank among them, 0 for 0)."""
    if values.size and int(values.max()) < _TABLE_LIMIT:  # a lookup table beats sorting
        present = np.bincount(values) > 0
        present[0] = False
        rank = np.cumsum(present)
        return np.flatnonzero(present), rank[values]
    ids, seq = np.unique(values, return_inverse=True)
    if len(ids) and ids[0] == 0:
        return ids[1:].astype(np.int64), seq.ravel()
    return ids.astype(np.int64), seq.ravel() + 1


def _validated(
    maps: Sequence[np.ndarray], labels: Sequence[str] | None
) -> tuple[list[_Annotator], np.ndarray, tuple[int, ...]]:
    arrays = [np.asarray(m) for m in maps]
    if len(arrays) < 2:
        raise ValueError(f"consensus needs at least 2 instance maps, got {len(arrays)}")
    shape = arrays[0].shape
    if len(shape) not in (2, 3) or 0 in shape:
        raise ValueError(f"instance maps must be non-empty 2D or 3D arrays, got shape {shape}")
    names = [f"annotator_{i + 1}" for i in range(len(arrays))] if labels is None else labels
    names = [str(name) for name in names]
    if len(names) != len(arrays) or len(set(names)) != len(names):
        raise ValueError(f"need {len(arrays)} unique annotator labels, got {names}")
    for index, array in enumerate(arrays):
        if array.shape != shape:
            raise ValueError(f"instance map {index} is {array.shape}, map 0 is {shape}")
        if array.dtype.kind not in "iu" or (array.size and array.min() < 0):
            raise ValueError(f"instance map {index} must hold non-negative integers")
    labelled = np.zeros(shape, dtype=bool)
    for array in arrays:
        labelled |= array != 0
    pixels = np.flatnonzero(labelled)
    annotators = [
        _Annotator(name, array.ravel()[pixels].astype(np.int64, copy=False))
        for name, array in zip(names, arrays)
    ]
    return annotators, pixels, shape


def _pair_matches(a: _Annotator, b: _Annotator, threshold: float) -> list[tuple[int, int, float]]:
    """Hungarian matches (a's number, b's number, IoU) with IoU >= threshold."""
    n_a, n_b = len(a.ids), len(b.ids)
    if not n_a or not n_b:
        return []
    both = (a.seq > 0) & (b.seq > 0)
    pairs = a.seq[both].astype(np.int64) * (n_b + 1) + b.seq[both]
    overlap = np.bincount(pairs, minlength=(n_a + 1) * (n_b + 1)).reshape(n_a + 1, n_b + 1)
    union = a.areas[:, None] + b.areas[None, :] - overlap
    iou = np.divide(overlap, union, out=np.zeros(overlap.shape), where=union > 0)[1:, 1:]
    rows, cols = linear_sum_assignment(iou, maximize=True)
    return [(r + 1, c + 1, float(iou[r, c])) for r, c in zip(rows, cols) if iou[r, c] >= threshold]


def _pair_agreement(
    a: _Annotator, b: _Annotator, matches: list[tuple[int, int, float]]
) -> PairInstanceAgreement:
    matched_a = {i for i, _, _ in matches}
    matched_b = {j for _, j, _ in matches}
    unmatched_a = [int(a.ids[i - 1]) for i in range(1, len(a.ids) + 1) if i not in matched_a]
    unmatched_b = [int(b.ids[j - 1]) for j in range(1, len(b.ids) + 1) if j not in matched_b]
    f1 = scores_from_counts(len(matches), len(unmatched_b), len(unmatched_a))["dice"]
    return PairInstanceAgreement(
        a=a.name,
        b=b.name,
        f1=f1,
        matches=[(int(a.ids[i - 1]), int(b.ids[j - 1]), iou) for i, j, iou in matches],
        unmatched_a=unmatched_a,
        unmatched_b=unmatched_b,
    )


def _all_matches(
    annotators: list[_Annotator], threshold: float
) -> dict[tuple[int, int], list[tuple[int, int, float]]]:
    return {
        (x, y): _pair_matches(annotators[x], annotators[y], threshold)
        for x, y in itertools.combinations(range(len(annotators)), 2)
    }


def _agreement(annotators: list[_Annotator], matches: dict, threshold: float) -> InstanceAgreement:
    pairs = [_pair_agreement(annotators[x], annotators[y], m) for (x, y), m in matches.items()]
    return InstanceAgreement(pairs, float(np.mean([p.f1 for p in pairs])), threshold)


def instance_agreement(
    instance_maps: Sequence[np.ndarray],
    labels: Sequence[str] | None = None,
    *,
    iou_threshold: float = MATCH_IOU,
) -> InstanceAgreement:
    """Nucleus F1 of every pair of annotators at ``iou_threshold``, with the unmatched listed."""
    annotators = _validated(instance_maps, labels)[0]
    return _agreement(annotators, _all_matches(annotators, iou_threshold), iou_threshold)


def _groups(n_annotators: int, sizes: list[int], matches: dict) -> list[dict[int, int]]:
    """Union of matched nuclei, strongest IoU first, one nucleus per annotator per group."""
    groups: dict[tuple[int, int], dict[int, int]] = {
        (x, i): {x: i} for x in range(n_annotators) for i in range(1, sizes[x] + 1)
    }
    edges = [(iou, x, i, y, j) for (x, y), m in matches.items() for i, j, iou in m]
    for _, x, i, y, j in sorted(edges, key=lambda e: -e[0]):
        first, second = groups[(x, i)], groups[(y, j)]
        if first is second or set(first) & set(second):
            continue
        first.update(second)
        for member in second.items():
            groups[member] = first
    unique = {id(g): g for g in groups.values()}
    return sorted(unique.values(), key=lambda g: min(g.items()))


def instance_consensus(
    instance_maps: Sequence[np.ndarray],
    labels: Sequence[str] | None = None,
    *,
    match_iou: float = MATCH_IOU,
) -> InstanceConsensusResult:
    """Consensus nuclei of several annotators' instance maps (see the module docstring)."""
    annotators, pixels, shape = _validated(instance_maps, labels)
    n = len(annotators)
    matches = _all_matches(annotators, match_iou)
    groups = _groups(n, [len(a.ids) for a in annotators], matches)
    sizes = np.array([0] + [len(g) for g in groups])
    kept = sizes > n / 2
    divisor = np.maximum(sizes, 1)  # group 0 is "no nucleus": never kept, never divided by
    # For each annotator, the group of each of their pixels (0 = none).
    group_of = []
    for x, annotator in enumerate(annotators):
        table = np.zeros(len(annotator.ids) + 1, dtype=np.int32)
        for number, group in enumerate(groups, start=1):
            if x in group:
                table[group[x]] = number
        group_of.append(table[annotator.seq])
    share = np.zeros((n, *group_of[0].shape), dtype=np.float32)
    for x, candidate in enumerate(group_of):
        votes = sum((other == candidate).view(np.uint8) for other in group_of)
        share[x] = np.where(kept[candidate], votes / divisor[candidate], 0.0)
    best = share.max(axis=0)
    owner = np.take_along_axis(np.stack(group_of), share.argmax(axis=0)[None], axis=0)[0]
    tied = np.zeros(best.shape, dtype=bool)
    for x, candidate in enumerate(group_of):
        tied |= (share[x] == best) & (candidate != owner)
    winners = np.where((best > 0.5) & ~tied, owner, 0)
    painted, numbered = _numbered(winners)
    label_of = np.zeros(len(groups) + 1, dtype=np.int64)
    label_of[painted] = np.arange(1, len(painted) + 1)
    consensus = np.zeros(int(np.prod(shape)), dtype=np.uint16)
    consensus[pixels] = numbered
    areas = np.bincount(numbered, minlength=len(painted) + 1)
    nuclei = []
    for number, group in enumerate(groups, start=1):
        label = int(label_of[number])
        nuclei.append(
            ConsensusNucleus(
                label=label,
                members={
                    annotators[x].name: int(annotators[x].ids[i - 1]) for x, i in group.items()
                },
                kept=label > 0,
                pixels=int(areas[label]) if label else 0,
            )
        )
    return InstanceConsensusResult(
        instances=consensus.reshape(shape),
        nuclei=nuclei,
        agreement=_agreement(annotators, matches, match_iou),
    )


def instance_consensus_per_class(
    instance_maps: Sequence[InstanceMap],
    labels: Sequence[str] | None = None,
    *,
    classes: Sequence[int] | None = None,
    match_iou: float = MATCH_IOU,
) -> dict[int, InstanceConsensusResult]:
    """:func:`instance_consensus` of each instance class on its own (nuclei of one class are
    only ever matched with nuclei of that class). ``classes`` defaults to every class used."""
    if classes is None:
        classes = sorted({c for m in instance_maps for c in m.classes.values()})
    return {
        int(c): instance_consensus(
            [m.of_class(c) for m in instance_maps], labels, match_iou=match_iou
        )
        for c in classes
    }
