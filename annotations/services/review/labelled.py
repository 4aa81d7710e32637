"""The consensus of a section whose masks hold label classes or instances.

A one-class project whose annotations are all binary masks keeps the binary consensus
(``consensus.py``). Any other section is read with ``stored_labels`` and merged by
:func:`annotations.consensus.label_consensus`: plurality vote or multi-label STAPLE for region
classes, matched nuclei kept by a majority for instance classes. The result is stored as an
instance map when the project has an instance class, else as a class map. The section's queue
agreement is the mean pairwise Dice of its worst class.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from annotations import consensus as consensus_math
from annotations.imaging.errors import MaskError
from annotations.imaging.label_values import StoredLabels, stored_labels
from annotations.imaging.labels import InstanceMap, encode_class_map, encode_instance_map
from annotations.models import AnnotationRevision, ConsensusMethod, LabelKind, Section
from annotations.selectors.labels import label_classes
from cellweb.errors import InvalidInput
from cellweb.words import as_clause

__all__ = [
    "ConsensusFields",
    "decode_labelled_revisions",
    "decode_revisions",
    "foreground_statistics",
    "staple_rates",
    "labelled_consensus",
]

T = TypeVar("T")

DICE_AGGREGATION = "Dice of map == class for every pair of annotators; mean over pairs"
F1_AGGREGATION = (
    "F1 of nuclei matched one-to-one at IoU >= 0.5 (Hungarian) for every pair of annotators; "
    "mean over pairs"
)


@dataclass(frozen=True)
class ConsensusFields:
    """What a consensus record stores, whichever kind of masks it was computed from."""

    mask_png: bytes
    agreement: dict
    annotator_stats: dict
    disagreement: np.ndarray
    section_agreement: float
    audit: dict


def decode_revisions(
    revisions: Sequence[AnnotationRevision], decode: Callable[[bytes], T]
) -> list[T]:
    """Each revision's mask through ``decode``; InvalidInput naming the first unreadable one."""
    decoded = []
    for revision in revisions:
        try:
            decoded.append(decode(bytes(revision.mask_png)))
        except MaskError as exc:
            name = revision.annotation.annotator.get_username()
            raise InvalidInput(
                f"The annotation of {name} (revision {revision.number}) cannot be read: {as_clause(exc.message)}"
            ) from exc
    return decoded


def decode_labelled_revisions(
    section: Section, revisions: Sequence[AnnotationRevision]
) -> list[StoredLabels]:
    classes = label_classes(section.project)
    values = [c["value"] for c in classes]
    instance_values = [c["value"] for c in classes if c["kind"] == LabelKind.INSTANCES]
    return decode_revisions(
        revisions, lambda png: stored_labels(png, values, instance_values, section.shape)
    )


@dataclass(frozen=True)
class ForegroundStatistics:
    annotator_stats: dict
    agreement: dict
    mean_dice: float


def foreground_statistics(
    revisions: Sequence[AnnotationRevision],
    names: list[str],
    masks: list[np.ndarray],
    merged: np.ndarray,
    staple_result: consensus_math.StapleResult,
    max_iterations: int,
) -> ForegroundStatistics:
    """Pairwise Dice/Jaccard of the masks, and per annotator STAPLE's sensitivity and
    specificity (reported whatever the project's method, so a majority-vote project still sees
    who over- or under-segments), Dice with the consensus and mean Dice with the others."""
    agreement = consensus_math.pairwise_agreement(masks, labels=names)
    sensitivity, specificity = staple_rates(staple_result, masks)
    annotator_stats = {}
    for index, (revision, name, mask) in enumerate(zip(revisions, names, masks)):
        annotator_stats[name] = {
            "user_id": revision.annotation.annotator_id,
            "annotation_id": revision.annotation_id,
            "revision": revision.number,
            "revision_id": revision.pk,
            "sensitivity": sensitivity[index],
            "specificity": specificity[index],
            "dice_consensus": consensus_math.dice(mask, merged),
            "mean_dice": agreement.per_annotator_mean_dice[name],
        }
    agreement_json = {
        "n": len(revisions),
        "mean_dice": agreement.mean_dice,
        "mean_jaccard": agreement.mean_jaccard,
        "pairs": _pairs(agreement),
        "per_annotator_mean_dice": agreement.per_annotator_mean_dice,
        "staple": {
            "iterations": staple_result.iterations,
            "converged": staple_result.converged,
            "max_iterations": max_iterations,
        },
    }
    return ForegroundStatistics(annotator_stats, agreement_json, agreement.mean_dice)


def staple_rates(
    staple_result: consensus_math.StapleResult, masks: list[np.ndarray]
) -> tuple[list[float], list[float]]:
    """Each annotator's sensitivity and specificity: STAPLE's estimates, except where its
    estimated truth has no foreground (or no background). There the rate is 0/0 and the EM's
    number means nothing (an annotator who drew a nucleus nobody else saw came out with
    sensitivity 1.0, those who drew nothing 0.0), so the rule of every other score here answers:
    1.0 for an annotator whose mask agrees with it (nothing marked; everything marked), else 0.0."""
    sensitivity = list(staple_result.sensitivity)
    specificity = list(staple_result.specificity)
    truth = np.asarray(staple_result.mask, dtype=bool)
    if not truth.any():
        sensitivity = [0.0 if np.any(m) else 1.0 for m in masks]
    if truth.all():
        specificity = [1.0 if np.all(m) else 0.0 for m in masks]
    return sensitivity, specificity


def _pairs(result) -> list[dict]:
    return [{"a": p.a, "b": p.b, "dice": p.dice, "jaccard": p.jaccard} for p in result.pairs]


def _instance_summary(result) -> dict:
    agreement = result.agreement
    return {
        "mean_f1": agreement.mean_f1,
        "iou_threshold": agreement.iou_threshold,
        "aggregation": F1_AGGREGATION,
        "kept": sum(1 for nucleus in result.nuclei if nucleus.kept),
        "found": len(result.nuclei),
        "pairs": [
            {
                "a": p.a,
                "b": p.b,
                "f1": p.f1,
                "matched": len(p.matches),
                "unmatched_a": p.unmatched_a,
                "unmatched_b": p.unmatched_b,
            }
            for p in agreement.pairs
        ],
    }


def _minority(merged, decoded: list[StoredLabels], names: list[str], classes: dict) -> list[dict]:
    """The nuclei only a minority of the annotators drew, where they are and who drew them."""
    index = {name: i for i, name in enumerate(names)}
    rows = []
    for value, result in merged.instances.items():
        for nucleus in result.nuclei:
            if nucleus.kept:
                continue
            first, own_id = next(iter(nucleus.members.items()))
            ys, xs = np.nonzero(decoded[index[first]].instances == own_id)
            rows.append(
                {
                    "class": value,
                    "class_name": classes[value]["name"],
                    "found_by": len(nucleus.members),
                    "of": len(names),
                    "annotators": dict(nucleus.members),
                    "x": round(float(xs.mean()), 1) if len(xs) else None,
                    "y": round(float(ys.mean()), 1) if len(ys) else None,
                    "pixels": int(len(xs)),
                }
            )
    return rows


def _class_rows(merged, classes: dict) -> list[dict]:
    rows = []
    for value, result in merged.class_agreement.items():
        entry = classes[value]
        row = {
            "value": value,
            "name": entry["name"],
            "kind": entry["kind"],
            "colour": entry.get("colour"),
            "mean_dice": result.mean_dice,
            "mean_jaccard": result.mean_jaccard,
            "aggregation": DICE_AGGREGATION,
            "pairs": _pairs(result),
        }
        if value in merged.instances:
            row["instances"] = _instance_summary(merged.instances[value])
        rows.append(row)
    return rows


def _encoded(section: Section, merged, values: list[int], has_instances: bool) -> bytes:
    if has_instances:
        return encode_instance_map(merged.labels.instances, merged.labels.classes, values)
    return encode_class_map(merged.class_map, values)


def labelled_consensus(
    section: Section,
    revisions: Sequence[AnnotationRevision],
    names: list[str],
    *,
    staple_max_iterations: int,
) -> ConsensusFields:
    """Consensus, agreement per class and per instance, and per-annotator statistics."""
    classes = {c["value"]: c for c in label_classes(section.project)}
    values = sorted(classes)
    instance_values = [v for v in values if classes[v]["kind"] == LabelKind.INSTANCES]
    decoded = decode_labelled_revisions(section, revisions)
    class_maps = [d.class_map for d in decoded]
    use_staple = section.project.consensus_method == ConsensusMethod.STAPLE
    merged = consensus_math.label_consensus(
        class_maps,
        [InstanceMap(d.instances, d.classes) for d in decoded],
        names,
        values=values,
        instance_values=instance_values,
        staple=use_staple,
        max_iterations=staple_max_iterations,
    )
    # Foreground (any class) statistics, as a binary section reports them: who over- or
    # under-segments shows whatever the classes.
    foreground = [m != 0 for m in class_maps]
    staple_result = consensus_math.staple(foreground, max_iterations=staple_max_iterations)
    stats = foreground_statistics(
        revisions, names, foreground, merged.class_map != 0, staple_result, staple_max_iterations
    )
    worst = merged.class_agreement[merged.worst_class]
    agreement_json = {
        **stats.agreement,
        "classes": _class_rows(merged, classes),
        "worst_class": {
            "value": merged.worst_class,
            "name": classes[merged.worst_class]["name"],
            "mean_dice": worst.mean_dice,
        },
        "minority": _minority(merged, decoded, names, classes),
    }
    return ConsensusFields(
        mask_png=_encoded(section, merged, values, bool(instance_values)),
        agreement=agreement_json,
        annotator_stats=stats.annotator_stats,
        disagreement=consensus_math.label_disagreement(class_maps),
        section_agreement=worst.mean_dice,
        audit={
            "mean_dice": round(worst.mean_dice, 4),
            "worst_class": classes[merged.worst_class]["name"],
            "staple_converged": staple_result.converged,
        },
    )
