"""Instance consensus on hand-made cases: a missed nucleus, a nucleus split differently, ties."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.consensus import instance_agreement, instance_consensus
from annotations.demo.nuclei import annotator_instances


def _disk(shape, centre, radius) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 <= radius**2


SHAPE = (60, 100)
CENTRES = [(15, 15), (15, 50), (40, 80)]


def _map(ids: dict[int, int], shift: int = 0, skip: int | None = None) -> np.ndarray:
    """Nucleus k (0-based) of CENTRES drawn with id ``ids[k]``, moved ``shift`` px right."""
    values = np.zeros(SHAPE, dtype=np.int64)
    for k, centre in enumerate(CENTRES):
        if k != skip:
            values[_disk(SHAPE, (centre[0], centre[1] + shift), 8)] = ids[k]
    return values


def test_a_nucleus_one_annotator_missed_is_kept_by_the_majority():
    ann = _map({0: 1, 1: 2, 2: 3})
    bob = _map({0: 30, 1: 10, 2: 20}, shift=1)
    cat = _map({0: 5, 1: 6, 2: 7}, skip=1)  # misses the middle nucleus
    result = instance_consensus([ann, bob, cat], ["ann", "bob", "cat"])

    assert int(result.instances.max()) == 3
    assert all(n.kept for n in result.nuclei)
    middle = next(n for n in result.nuclei if n.members.get("ann") == 2)
    assert middle.members == {"ann": 2, "bob": 10}
    # Drawn by two: a pixel is in when both of them drew it.
    expected = (ann == 2) & (bob == 10)
    np.testing.assert_array_equal(result.instances == middle.label, expected)
    assert middle.pixels == int(expected.sum())

    pairs = {(p.a, p.b): p for p in result.agreement.pairs}
    assert pairs[("ann", "bob")].f1 == 1.0
    assert pairs[("ann", "cat")].f1 == pytest.approx(2 * 2 / (3 + 2))
    assert pairs[("ann", "cat")].unmatched_a == [2] and pairs[("ann", "cat")].unmatched_b == []
    assert pairs[("bob", "cat")].unmatched_a == [10]
    assert sorted(m[:2] for m in pairs[("ann", "bob")].matches) == [(1, 30), (2, 10), (3, 20)]
    assert result.agreement.mean_f1 == pytest.approx((1.0 + 0.8 + 0.8) / 3)


def _pair_of_nuclei() -> tuple[np.ndarray, np.ndarray]:
    blob = np.zeros((20, 64), dtype=bool)
    blob[4:16, :] = True  # two touching nuclei, side by side
    return blob, np.arange(64)[None, :]


def test_two_annotators_split_a_nucleus_differently_and_the_third_did_not_split_it():
    blob, columns = _pair_of_nuclei()
    ann = np.where(blob, np.where(columns < 26, 1, 2), 0)
    bob = np.where(blob, np.where(columns < 30, 7, 8), 0)
    cat = np.where(blob, 4, 0)  # sees one nucleus
    result = instance_consensus([ann, bob, cat], ["ann", "bob", "cat"])

    kept = [n for n in result.nuclei if n.kept]
    # cat's merged outline overlaps the larger right part by IoU >= 0.5, so it joins that one.
    assert [n.members for n in kept] == [{"ann": 1, "bob": 7}, {"ann": 2, "bob": 8, "cat": 4}]
    left, right = (result.instances == n.label for n in kept)
    np.testing.assert_array_equal(left, blob & (columns < 26))
    # Columns 26-29: bob says left (1 of 2), ann and cat say right (2 of 3): right wins.
    np.testing.assert_array_equal(right, blob & (columns >= 26))
    pairs = {(p.a, p.b): p for p in result.agreement.pairs}
    assert pairs[("ann", "bob")].f1 == 1.0
    assert pairs[("ann", "cat")].f1 == pytest.approx(2 * 1 / (2 + 1))
    assert pairs[("ann", "cat")].unmatched_a == [1] and pairs[("ann", "cat")].unmatched_b == []


def test_when_two_annotators_split_a_nucleus_differently_the_disputed_strip_stays_empty():
    blob, columns = _pair_of_nuclei()
    ann = np.where(blob, np.where(columns < 30, 1, 2), 0)
    bob = np.where(blob, np.where(columns < 34, 7, 8), 0)
    result = instance_consensus([ann, bob], ["ann", "bob"])

    assert [n.members for n in result.nuclei] == [{"ann": 1, "bob": 7}, {"ann": 2, "bob": 8}]
    left, right = (result.instances == n.label for n in result.nuclei)
    np.testing.assert_array_equal(left, blob & (columns < 30))
    np.testing.assert_array_equal(right, blob & (columns >= 34))
    assert not result.instances[:, 30:34].any()  # one says left, one says right: a tie


def test_a_nucleus_drawn_by_one_of_two_annotators_is_not_kept():
    ann = _map({0: 1, 1: 2, 2: 3})
    bob = _map({0: 1, 1: 2, 2: 3}, skip=2)
    result = instance_consensus([ann, bob])
    assert int(result.instances.max()) == 2
    assert [n.kept for n in result.nuclei] == [True, True, False]


def test_equal_shares_of_two_nuclei_give_background():
    row = np.zeros((10, 40), dtype=bool)
    row[2:8] = True
    columns = np.arange(40)[None, :]

    def span(start: int, stop: int, value: int) -> np.ndarray:
        return np.where(row & (columns >= start) & (columns < stop), value, 0)

    # Five annotators; nucleus 1 drawn by ann, bob, cat; nucleus 2 by cat, dan, eve.
    ann, bob = span(0, 24, 1), span(0, 24, 1)
    cat = span(0, 20, 1) + span(24, 40, 2)
    dan, eve = span(16, 40, 2), span(16, 40, 2)
    result = instance_consensus([ann, bob, cat, dan, eve])
    first, second = (result.instances == n.label for n in result.nuclei if n.kept)
    np.testing.assert_array_equal(first, span(0, 20, 1) > 0)  # 16-20: 3 of 3 beat 2 of 3
    np.testing.assert_array_equal(second, span(24, 40, 1) > 0)
    assert not result.instances[:, 20:24].any()  # 2 of 3 against 2 of 3: a tie


def test_identical_maps_give_themselves_back():
    ann = _map({0: 4, 1: 9, 2: 2})
    result = instance_consensus([ann, ann.copy(), ann.copy()])
    np.testing.assert_array_equal(result.instances > 0, ann > 0)
    assert len(np.unique(result.instances)) == 4
    assert result.agreement.mean_f1 == 1.0


def test_empty_maps_agree():
    empty = np.zeros((8, 8), dtype=np.uint16)
    result = instance_consensus([empty, empty])
    assert not result.instances.any() and result.nuclei == []
    assert instance_agreement([empty, empty]).mean_f1 == 1.0


def test_crowded_jittered_fields_keep_every_nucleus():
    maps = annotator_instances(seed=3, n_annotators=3)
    result = instance_consensus(maps)
    assert sum(n.kept for n in result.nuclei) == 30
    assert int(result.instances.max()) == 30
    assert result.agreement.mean_f1 == 1.0


@pytest.mark.parametrize(
    ("maps", "labels", "message"),
    [
        ([np.zeros((4, 4), int)], None, "at least 2"),
        ([np.zeros((4, 4), int), np.zeros((5, 4), int)], None, r"\(5, 4\)"),
        ([np.zeros((4, 4), int), -np.ones((4, 4), int)], None, "non-negative"),
        ([np.zeros((4, 4), int), np.zeros((4, 4), float)], None, "non-negative integers"),
        ([np.zeros((4, 4), int)] * 2, ["a", "a"], "unique"),
    ],
)
def test_bad_instance_maps_are_refused(maps, labels, message):
    with pytest.raises(ValueError, match=message):
        instance_consensus(maps, labels)


def test_ids_of_any_size_are_reported_as_drawn():
    ann = _map({0: 1, 1: 2, 2: 3}).astype(np.uint64)
    bob = _map({0: 10**12, 1: 5, 2: 2**40}).astype(np.uint64)
    result = instance_consensus([ann, bob], ["ann", "bob"])
    assert [n.members for n in result.nuclei] == [
        {"ann": 1, "bob": 10**12},
        {"ann": 2, "bob": 5},
        {"ann": 3, "bob": 2**40},
    ]


def test_each_instance_class_gets_its_own_consensus():
    from annotations.consensus import instance_consensus_per_class
    from annotations.imaging.labels import InstanceMap

    ann = InstanceMap(_map({0: 1, 1: 2, 2: 3}).astype(np.uint16), {1: 1, 2: 1, 3: 4})
    # bob calls the third nucleus a class-1 nucleus: it matches nothing of ann's in either class.
    bob = InstanceMap(_map({0: 5, 1: 6, 2: 7}).astype(np.uint16), {5: 1, 6: 1, 7: 1})
    results = instance_consensus_per_class([ann, bob], ["ann", "bob"])
    assert sorted(results) == [1, 4]
    assert [n.members for n in results[1].nuclei if n.kept] == [
        {"ann": 1, "bob": 5},
        {"ann": 2, "bob": 6},
    ]
    assert not results[4].instances.any()
    assert results[4].agreement.pairs[0].unmatched_a == [3]
