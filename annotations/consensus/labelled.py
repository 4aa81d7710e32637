"""Consensus of several annotators' label masks: region classes and instance classes together.

Each annotator gives a class map (uint8, 0 background) and, for the instance classes, their
instances (:class:`~annotations.imaging.labels.InstanceMap`). The consensus is built per kind of
class, then merged into one label mask:

- **Region classes**: the plurality vote of the full class maps (:func:`plurality_vote`), or
  multi-label STAPLE (:func:`multilabel_staple`); the pixels the vote gives a region class keep it.
- **Instance classes**: :func:`instance_consensus_per_class` (IoU matching, Hungarian, nuclei kept
  by a strict majority, pixels by the vote of those who drew them). Kept nuclei are painted over
  the region classes: a nucleus a majority drew is not given to the cytoplasm around it. Pixels
  the region vote gives an instance class but no kept nucleus claims are background.

Consensus ids: the nuclei of the first instance class are 1..N1, those of the next N1+1.., and
each connected component (4-connected) of a region class gets the next id, so the merged
:class:`InstanceMap` paints exactly the merged class map.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from annotations.imaging.errors import MaskError
from annotations.imaging.labels import MAX_INSTANCES, InstanceMap

from .agreement import AgreementResult
from .instances import InstanceConsensusResult, instance_consensus_per_class
from .multilabel import as_label_stack, class_agreement, multilabel_staple, plurality_vote

__all__ = [
    "LabelConsensus",
    "label_consensus",
    "label_disagreement",
    "with_region_ids",
]


@dataclass(frozen=True)
class LabelConsensus:
    """The merged consensus and the agreement of every class.

    ``labels`` holds the consensus instances and the class of each (region areas included, one
    id per connected component); ``class_map`` is what they paint. ``class_agreement`` is the
    pairwise Dice/Jaccard of ``map == value`` for every class, ``instances`` the instance
    consensus (nuclei, nucleus F1 per pair) of every instance class. ``worst_class`` is the
    class with the lowest mean pairwise Dice.
    """

    class_map: np.ndarray
    labels: InstanceMap
    class_agreement: dict[int, AgreementResult]
    instances: dict[int, InstanceConsensusResult]
    worst_class: int
    confusion: list[np.ndarray] | None


def label_consensus(
    class_maps: Sequence[np.ndarray],
    instance_maps: Sequence[InstanceMap],
    names: Sequence[str],
    *,
    values: Sequence[int],
    instance_values: Sequence[int],
    staple: bool = False,
    max_iterations: int = 50,
) -> LabelConsensus:
    """Merge region and instance consensus (see the module docstring).

    ``values`` are the project's class values, ``instance_values`` those of its instance
    classes; ``staple`` picks multi-label STAPLE over the plurality vote for region classes.
    """
    maps = as_label_stack(class_maps)
    instance_set = {int(v) for v in instance_values}
    region_values = [int(v) for v in values if int(v) not in instance_set]
    confusion = None
    if staple:
        result = multilabel_staple(maps, max_iterations=max_iterations)
        vote, confusion = result.labels, result.confusion
    else:
        vote = plurality_vote(maps)
    merged = np.where(np.isin(vote, region_values), vote, 0).astype(np.uint8)
    per_class = (
        instance_consensus_per_class(instance_maps, names, classes=sorted(instance_set))
        if instance_set
        else {}
    )
    instances = np.zeros(merged.shape, dtype=np.uint16)
    classes: dict[int, int] = {}
    for value, result in per_class.items():
        count = int(result.instances.max(initial=0))
        if not count:
            continue
        inside = result.instances > 0
        offset = len(classes)
        instances[inside] = result.instances[inside] + offset
        merged[inside] = value
        classes.update({offset + i: value for i in range(1, count + 1)})
    labels = with_region_ids(merged, instances, classes, region_values)
    agreement = class_agreement(maps, classes=[int(v) for v in values], labels=names)
    worst = min(agreement, key=lambda c: (agreement[c].mean_dice, c))
    return LabelConsensus(
        class_map=merged,
        labels=labels,
        class_agreement=agreement,
        instances=per_class,
        worst_class=worst,
        confusion=confusion,
    )


def label_disagreement(class_maps: Sequence[np.ndarray]) -> np.ndarray:
    """Per pixel, how many annotators did not give it its most common value (uint8).

    With one class this is :func:`disagreement_map`: min(k, n − k) of k foreground votes.
    """
    maps = as_label_stack(class_maps)
    best = np.zeros(maps[0].shape, dtype=np.uint8)
    for value in np.unique(np.stack(maps)):
        votes = np.zeros(maps[0].shape, dtype=np.uint8)
        for m in maps:
            votes += m == value
        np.maximum(best, votes, out=best)
    return (len(maps) - best).astype(np.uint8)


def with_region_ids(
    class_map: np.ndarray,
    instances: np.ndarray,
    classes: dict[int, int],
    region_values: Sequence[int],
) -> InstanceMap:
    """``instances`` (ids 1..N, ``classes[id]`` their class) plus one new id per 4-connected
    component of each region class of ``class_map``, so the result paints all of ``class_map``.
    """
    instances = instances.astype(np.uint16, copy=True)
    classes = dict(classes)
    for value in region_values:
        components, count = ndimage.label(class_map == value)
        if not count:
            continue
        offset = max(classes, default=0)
        if offset + count > MAX_INSTANCES:
            raise MaskError(f"The mask holds more than {MAX_INSTANCES:,} objects.")
        inside = components > 0
        instances[inside] = components[inside] + offset
        classes.update({offset + i: int(value) for i in range(1, count + 1)})
    return InstanceMap(instances=instances, classes=classes)
