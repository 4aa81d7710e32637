"""Consensus of several annotators' binary masks: majority vote, STAPLE and agreement.

Pure NumPy + SimpleITK (no Django), so the same code runs in a request, a Celery worker, a
notebook or a test. Every function takes a sequence of masks of identical shape (2D sections or
3D stacks); a pixel is foreground where the mask is non-zero, so bool, 0/1 and 0/255 masks all work.

Conventions shared by every function here:

- At least two masks are required and all must have the same shape; anything else raises
  ``ValueError`` with a message that names the problem.
- Agreement on "no nucleus" is agreement: two empty masks have Dice = Jaccard = 1.0.
- Ties go to background: a pixel is consensus foreground only with a *strict* majority
  (majority vote), or a STAPLE probability strictly above the threshold.

``votes`` (majority vote, disagreement map), ``agreement`` (pairwise Dice/Jaccard) and ``staple_itk``
hold one method each; :func:`consensus` picks one by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from annotations.imaging.overlap import dice, jaccard

from .agreement import AgreementResult, PairAgreement, pairwise_agreement
from .instances import *  # noqa: F403  (instance classes: match, keep by majority, nucleus F1)
from .labelled import *  # noqa: F403  (region and instance classes merged into one label mask)
from .multilabel import *  # noqa: F403  (region classes: plurality vote, multi-label STAPLE)
from .staple_itk import StapleResult, staple
from .votes import disagreement_map, majority_vote

__all__ = [
    "AgreementResult",
    "ConsensusResult",
    "PairAgreement",
    "StapleResult",
    "consensus",
    "dice",
    "disagreement_map",
    "jaccard",
    "majority_vote",
    "pairwise_agreement",
    "staple",
]


@dataclass(frozen=True)
class ConsensusResult:
    """Consensus mask plus, for STAPLE, its probability map and per-annotator performance."""

    mask: np.ndarray
    method: str
    probability: np.ndarray | None = None
    sensitivity: list[float] | None = None
    specificity: list[float] | None = None


def consensus(
    masks: Sequence[np.ndarray],
    method: Literal["majority", "staple"] = "majority",
    **kw: Any,
) -> ConsensusResult:
    """Consensus by ``method``: ``"majority"`` (:func:`majority_vote`, no keywords) or
    ``"staple"`` (:func:`staple`; ``kw`` goes to it: ``max_iterations``, ``threshold``,
    ``roi_margin``)."""
    if method == "majority":
        if kw:
            raise ValueError(f"majority vote takes no options, got {sorted(kw)}")
        return ConsensusResult(mask=majority_vote(masks), method="majority")
    if method == "staple":
        result = staple(masks, **kw)
        return ConsensusResult(
            mask=result.mask,
            method="staple",
            probability=result.probability,
            sensitivity=result.sensitivity,
            specificity=result.specificity,
        )
    raise ValueError(f"unknown consensus method {method!r}; use 'majority' or 'staple'")
