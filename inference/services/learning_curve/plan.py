"""What a learning curve will train on, checked before anything is written: the ground truth,
the held-out specimens (fixed for the whole job), the training pool and the sizes drawn from it.
Each refusal says why, and what is available."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from annotations.models import GroundTruthSource, Project
from annotations.services.snapshots import ground_truth_as_of
from cellweb.words import counted
from inference.datasets import SnapshotEntry, entries_for_ground_truths
from inference.ml.learning_curve import ALL, held_out_groups
from inference.models import ModelVersion
from inference.services.learning_curve.config import (
    LearningCurveConfig,
    LearningCurveConflict,
    LearningCurveError,
)
from inference.services.model_exchange.parent import fine_tune_parent_problem

SCRATCH, PRETRAINED = "scratch", "pretrained"


@dataclass
class CurvePlan:
    entries: list[SnapshotEntry]
    held_out: list[dict[str, Any]]
    pool: list[SnapshotEntry]
    sizes: list[int]
    starts: list[str]

    @property
    def total_points(self) -> int:
        return len(self.sizes) * len(self.starts)


def start_version_arch(*, user, config: LearningCurveConfig, project_id: int | None = None) -> str:
    """The network both curves train: the start version's, when there is one (fine-tuning keeps
    the architecture, and the scratch curve must match it to be a fair comparison)."""
    if config.start_version is None:
        return config.arch
    version = ModelVersion.objects.filter(pk=config.start_version).first()
    # Asked with the version's own network, so only "unknown or not visible" can come back.
    problem = fine_tune_parent_problem(
        user=user,
        arch=version.arch if version is not None else config.arch,
        version_id=config.start_version,
        project_id=project_id,
    )
    if problem:  # asked with the version's own network: not reached, kept as a guard
        raise LearningCurveError({"start_version": problem})
    return version.arch


def _learned_by_start(config: LearningCurveConfig) -> set[int]:
    """The specimens whose masks a segmentation start version was trained on (an
    in-silico-labelling version learned the stain, not the masks): never held out while
    another specimen can be."""
    if config.start_version is None:
        return set()
    version = ModelVersion.objects.filter(pk=config.start_version).first()
    if version is None or version.task == "isl":
        return set()
    return {s["id"] for s in version.train_specimens or [] if isinstance(s.get("id"), int)}


def learning_curve_plan(project: Project, config: LearningCurveConfig, *, as_of, user) -> CurvePlan:
    """Validate ``config`` against the project's data; LearningCurveError (400) for settings,
    LearningCurveConflict (409, with a code) when the project's ground truth or the start
    version cannot give the curve asked for. A start version the user may not see is a 404."""
    errors = config.problems()
    if errors:
        raise LearningCurveError(errors)
    config.arch = start_version_arch(user=user, config=config, project_id=project.pk)
    gt_ids = ground_truth_as_of(project=project, source=config.gt_source, as_of=as_of)
    entries = entries_for_ground_truths(gt_ids)
    specimens = {e.specimen_id: e.specimen_name for e in entries}
    source = GroundTruthSource(config.gt_source).label.lower()
    if len(specimens) < 2:
        message = (
            f"A learning curve scores every point on held-out specimens that are never trained "
            f"on, so it needs confirmed {source} ground truth on at least 2 specimens; this "
            f"project has {counted(len(specimens), 'specimen')} with it"
            + (f" ({', '.join(sorted(specimens.values()))})" if specimens else "")
            + ". Confirm sections of another specimen in review first."
        )
        raise LearningCurveConflict(
            {None: message},
            code="too_few_specimens" if specimens else "no_ground_truth",
            current={"specimens": len(specimens)},
        )
    seen = _learned_by_start(config) & set(specimens)
    if seen and seen == set(specimens):
        names = ", ".join(sorted(specimens.values()))
        raise LearningCurveConflict(
            {
                "start_version": f"The start version was trained on every specimen with {source} ground "
                f"truth ({names}), so the pretrained curve would be scored "
                "on sections it learned. Start from a version trained without some of them (a "
                "cross-validation fold) or from an in-silico-labelling version."
            },
            code="start_version_saw_all",
            current={"specimens": len(specimens)},
        )
    held_ids = set(
        held_out_groups([e.specimen_id for e in entries], seed=config.split_seed, avoid=seen)
    )
    pool = [e for e in entries if e.specimen_id not in held_ids]
    held = [e for e in entries if e.specimen_id in held_ids]
    held_out = [
        {
            "id": pk,
            "name": specimens[pk],
            "sections": sum(1 for e in held if e.specimen_id == pk),
        }
        for pk in sorted(held_ids, key=lambda pk: (specimens[pk], pk))
    ]
    available = len(pool)
    too_many = sorted({s for s in config.sizes if s != ALL and s > available})
    if too_many:
        held_names = ", ".join(h["name"] for h in held_out)
        message = (
            f"n = {', '.join(map(str, too_many))} is more than the "
            f"{counted(available, 'section')} available for training "
            f"({counted(len(specimens) - len(held_ids), 'specimen')} with confirmed {source} "
            f"ground truth; the held-out {'specimen' if len(held_out) == 1 else 'specimens'} "
            f"{held_names} ({counted(len(held), 'section')}) "
            f"{'is' if len(held_out) == 1 else 'are'} never trained on). "
            f"Use sizes up to {available}, or “all”."
        )
        raise LearningCurveConflict(
            {"sizes": message}, code="too_few_sections", current={"largest_n": available}
        )
    sizes = sorted({available if s == ALL else int(s) for s in config.sizes})
    starts = [SCRATCH] + ([PRETRAINED] if config.start_version is not None else [])
    return CurvePlan(
        entries=entries,
        held_out=held_out,
        pool=pool,
        sizes=sizes,
        starts=starts,
    )
