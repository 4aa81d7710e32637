"""Pairwise agreement between annotators: Dice and Jaccard of every pair, and their means."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Pairwise scores come from the one implementation the segmentation metrics use too.
from annotations.imaging.overlap import scores_from_counts

from .votes import as_bool_stack


@dataclass(frozen=True)
class PairAgreement:
    """Agreement between annotators ``a`` and ``b``."""

    a: str
    b: str
    dice: float
    jaccard: float


@dataclass(frozen=True)
class AgreementResult:
    """All pairwise agreements and their summaries.

    ``per_annotator_mean_dice[label]`` is the mean Dice of that annotator against every other
    one: the annotator who disagrees with everybody stands out.
    """

    pairs: list[PairAgreement]
    mean_dice: float
    mean_jaccard: float
    per_annotator_mean_dice: dict[str, float]


def pairwise_agreement(
    masks: Sequence[np.ndarray], labels: Sequence[str] | None = None
) -> AgreementResult:
    """Dice and Jaccard for every pair of masks, in input order (0-1, 0-2, ..., 1-2, ...).

    ``labels`` names the annotators (default ``"annotator_1"``, ``"annotator_2"``, ...); they must
    be unique and as many as the masks.
    """
    bool_masks = as_bool_stack(masks)
    n = len(bool_masks)
    if labels is None:
        names = [f"annotator_{i + 1}" for i in range(n)]
    else:
        names = [str(label) for label in labels]
        if len(names) != n:
            raise ValueError(f"got {len(names)} labels for {n} masks")
        if len(set(names)) != n:
            raise ValueError(f"labels must be unique, got {names}")

    sizes = [int(np.count_nonzero(m)) for m in bool_masks]
    pairs: list[PairAgreement] = []
    per_annotator: dict[str, list[float]] = {name: [] for name in names}
    for i, j in itertools.combinations(range(n), 2):
        both = int(np.count_nonzero(bool_masks[i] & bool_masks[j]))
        scores = scores_from_counts(both, sizes[i] - both, sizes[j] - both)
        pair_dice, pair_jaccard = scores["dice"], scores["jaccard"]
        pairs.append(PairAgreement(names[i], names[j], pair_dice, pair_jaccard))
        per_annotator[names[i]].append(pair_dice)
        per_annotator[names[j]].append(pair_dice)

    return AgreementResult(
        pairs=pairs,
        mean_dice=float(np.mean([p.dice for p in pairs])),
        mean_jaccard=float(np.mean([p.jaccard for p in pairs])),
        per_annotator_mean_dice={name: float(np.mean(v)) for name, v in per_annotator.items()},
    )
