"""The pure part of a learning curve: held-out specimens never reach a training draw, draws are
grouped by specimen and reproducible, and the 90%-of-plateau n on hand-made curves."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference.ml.learning_curve import (
    draw_sections,
    held_out_groups,
    plateau_reached,
    summarise_curve,
)

# Section i belongs to specimen groups[i]; 2 to 12 specimens of 1 to 6 sections each.
specimen_sizes = st.lists(st.integers(1, 6), min_size=2, max_size=12)


def sections_of(sizes: list[int]) -> list[int]:
    return [specimen for specimen, count in enumerate(sizes) for _ in range(count)]


@settings(max_examples=150, deadline=None)
@given(sizes=specimen_sizes, split_seed=st.integers(0, 10_000), seeds=st.integers(1, 5))
def test_no_draw_of_any_seed_or_size_contains_a_held_out_specimen(sizes, split_seed, seeds):
    groups = sections_of(sizes)
    held = set(held_out_groups(groups, seed=split_seed))
    assert held and held != set(groups)  # something is scored, something is trained on
    pool = [g for g in groups if g not in held]
    for n in range(1, len(pool) + 1):
        for seed in range(seeds):
            drawn = draw_sections(pool, n, seed=seed)
            assert len(drawn) == len(set(drawn)) == n
            assert not {pool[i] for i in drawn} & held


@settings(max_examples=60, deadline=None)
@given(sizes=specimen_sizes, seed=st.integers(0, 1000))
def test_a_draw_takes_whole_specimens_before_starting_the_next(sizes, seed):
    groups = sections_of(sizes)
    n = max(1, len(groups) // 2)
    drawn = draw_sections(groups, n, seed=seed)
    assert drawn == draw_sections(groups, n, seed=seed)  # reproducible
    taken = {groups[i] for i in drawn}
    partial = [g for g in taken if sum(groups[i] == g for i in drawn) < groups.count(g)]
    assert len(partial) <= 1  # at most the last specimen is cut short


def test_the_held_out_set_is_a_quarter_of_the_specimens_and_needs_two():
    assert len(held_out_groups(sections_of([2] * 8), seed=3)) == 2
    assert len(held_out_groups(sections_of([2, 2]), seed=0)) == 1
    with pytest.raises(ValueError, match="at least 2 specimens"):
        held_out_groups([7, 7, 7], seed=0)
    with pytest.raises(ValueError, match="cannot draw 4 of 3"):
        draw_sections([1, 1, 2], 4, seed=0)


def test_ninety_percent_of_the_plateau_on_hand_made_curves():
    rising = [(1, 0.30), (2, 0.55), (5, 0.74), (10, 0.81), (20, 0.84), (50, 0.85)]
    # Plateau = the value at the largest n (0.85); 90% of it is 0.765: first reached at n = 10.
    assert plateau_reached(rising) == (10, 0.85)
    # A curve that overshoots and falls back: "last" takes 0.6 (target 0.54, n = 2), "max"
    # takes 0.9 (target 0.81, n = 5).
    bumpy = [(1, 0.2), (2, 0.6), (5, 0.9), (10, 0.6)]
    assert plateau_reached(bumpy) == (2, 0.6)
    assert plateau_reached(bumpy, plateau="max") == (5, 0.9)
    # Flat from the start: the smallest n; exactly 90% counts as reached.
    assert plateau_reached([(1, 0.8), (5, 0.8)]) == (1, 0.8)
    assert plateau_reached([(2, 0.45), (1, 0.1), (4, 0.5)]) == (2, 0.5)
    assert plateau_reached([]) is None
    assert plateau_reached([(1, 0.0), (2, 0.0)]) is None
    with pytest.raises(ValueError):
        plateau_reached(rising, plateau="mean")


def test_the_summary_is_the_median_and_the_range_over_seeds():
    points = summarise_curve({5: [0.2, 0.8, 0.5], 1: [0.1, None], 2: []})
    assert [(p.n, p.median, p.low, p.high, p.seeds) for p in points] == [
        (1, 0.1, 0.1, 0.1, 1),
        (5, 0.5, 0.2, 0.8, 3),
    ]
