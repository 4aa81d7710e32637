"""The pure part of a learning curve (paper 004): which specimens are held out, which sections
each (n, seed) point trains on, the curve's summary over seeds, and where it levels off.

Everything here works on plain lists of specimen ids, so it is tested without a database. A
section is named by its position in the caller's list; ``groups[i]`` is the specimen of section
``i``.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass

__all__ = [
    "DEFAULT_SIZES",
    "ALL",
    "CurvePoint",
    "draw_sections",
    "held_out_groups",
    "plateau_reached",
    "summarise_curve",
]

# "all": the whole training pool, resolved to a number at launch.
ALL = "all"
DEFAULT_SIZES: tuple[int | str, ...] = (1, 2, 5, 10, 20, 50, ALL)
HELD_OUT_FRACTION = 0.25


def held_out_groups(
    groups: Sequence[int],
    *,
    seed: int,
    fraction: float = HELD_OUT_FRACTION,
    avoid: Collection[int] = (),
):
    """The specimens scored at every point: a quarter of them (at least one), drawn by ``seed``,
    always leaving at least one specimen to train on. Needs two specimens or more. Specimens in
    ``avoid`` (those a pretrained start learned) are never drawn while another is left: fewer
    are then held out rather than score the start on what it learned."""
    distinct = sorted(set(groups))
    if len(distinct) < 2:
        raise ValueError(f"need at least 2 specimens to hold one out, got {len(distinct)}")
    count = min(len(distinct) - 1, max(1, round(fraction * len(distinct))))
    candidates = [g for g in distinct if g not in set(avoid)] or distinct
    return sorted(random.Random(f"held-out:{seed}").sample(candidates, min(count, len(candidates))))


def draw_sections(groups: Sequence[int], n: int, *, seed: int) -> list[int]:
    """``n`` section positions drawn grouped by specimen, as a person annotating would: the
    specimens in an order set by ``seed``, each one's sections shuffled, taken specimen after
    specimen until ``n`` are drawn. ``groups`` is the training pool only; held-out specimens
    are never passed in, so they can never be drawn."""
    if not 1 <= n <= len(groups):
        raise ValueError(f"cannot draw {n} of {len(groups)} sections")
    rng = random.Random(f"draw:{seed}:{n}")
    by_group: dict[int, list[int]] = {}
    for position, group in enumerate(groups):
        by_group.setdefault(group, []).append(position)
    order = sorted(by_group)
    rng.shuffle(order)
    drawn: list[int] = []
    for group in order:
        positions = by_group[group][:]
        rng.shuffle(positions)
        drawn.extend(positions[: n - len(drawn)])
        if len(drawn) == n:
            break
    return sorted(drawn)


@dataclass(frozen=True)
class CurvePoint:
    """One n of one curve: the median over seeds and the spread (lowest and highest seed)."""

    n: int
    median: float
    low: float
    high: float
    seeds: int


def summarise_curve(values_by_n: dict[int, Sequence[float | None]]) -> list[CurvePoint]:
    """Median and min-max spread per n, in increasing n; seeds without a value are skipped."""
    points = []
    for n in sorted(values_by_n):
        values = [v for v in values_by_n[n] if v is not None and math.isfinite(v)]
        if values:
            points.append(
                CurvePoint(
                    n=n,
                    median=float(statistics.median(values)),
                    low=float(min(values)),
                    high=float(max(values)),
                    seeds=len(values),
                )
            )
    return points


def plateau_reached(
    points: Sequence[tuple[int, float]], *, fraction: float = 0.9, plateau: str = "last"
) -> tuple[int, float] | None:
    """The smallest n whose value reaches ``fraction`` of the plateau, and the plateau.

    The plateau is the value at the largest n (``plateau="last"``, the default: what annotating
    everything gives) or the highest value anywhere on the curve (``plateau="max"``). None for an
    empty curve or a plateau that is not positive (nothing to reach a fraction of).
    """
    if plateau not in ("last", "max"):
        raise ValueError(f"plateau is 'last' or 'max', got {plateau!r}")
    ordered = sorted(points)
    if not ordered:
        return None
    level = ordered[-1][1] if plateau == "last" else max(v for _, v in ordered)
    if not level > 0:
        return None
    target = fraction * level
    for n, value in ordered:
        if value >= target:
            return n, level
    return None  # unreachable: the plateau point itself reaches it
