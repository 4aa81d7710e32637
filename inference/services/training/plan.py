"""Which sections a job trains on and how they split into folds, checked before anything is
written; and the run-time estimate the launch form shows."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from annotations.models import GroundTruthSource, Project, Specimen, Volume
from annotations.services.snapshots import ground_truth_as_of
from cellweb.errors import NotFoundError
from inference.class_target import (
    ClassTarget,
    class_target,
    ground_truth_without_target,
    without_target_counts,
)
from inference.datasets import SnapshotEntry, entries_for_ground_truths
from inference.ml.data import grouped_folds
from inference.models import ModelVersion
from inference.output_classes import (
    OutputClasses,
    OutputClassesError,
    output_classes,
    version_outputs,
)
from inference.services.training.config import (
    TrainingConfig,
    TrainingConfigError,
    TrainingDataConflict,
)
from inference.services.training.estimate import (
    Calibration,
    assumptions,
    calibration_for,
    estimate_device_kind,
    fold_nominal_seconds,
    job_seconds,
    long_run_warning,
)

MIN_FOLDS = 2


@dataclass
class FoldPlan:
    index: int
    kind: str
    train: list[SnapshotEntry]
    val: list[SnapshotEntry]

    @staticmethod
    def specimens(entries: list[SnapshotEntry]) -> list[dict[str, Any]]:
        seen: dict[int, str] = {}
        for e in entries:
            seen.setdefault(e.specimen_id, e.specimen_name)
        return [
            {"id": pk, "name": name}
            for pk, name in sorted(seen.items(), key=lambda kv: (kv[1], kv[0]))
        ]


@dataclass
class TrainingPlan:
    entries: list[SnapshotEntry]
    folds: list[FoldPlan]
    specimens: int
    estimate_s: float
    device_kind: str
    estimates: dict[str, float]
    calibration: Calibration
    target: ClassTarget | None  # None when several classes are trained
    skipped: int = 0  # sections left out: their ground truth holds other classes, not the target

    def skipped_message(self) -> str:
        if not self.skipped:
            return ""
        return (
            f"{self.skipped} section{'s' if self.skipped != 1 else ''} left out: "
            f"{'their' if self.skipped != 1 else 'its'} ground truth holds other classes but "
            f"no {self.target.name}."
        )

    # The native-crops setting the job runs with (the config's, or the automatic choice).
    native_crops: bool = False
    outputs: OutputClasses | None = None  # several classes or an instance output


def plan_outputs(project: Project, config: TrainingConfig) -> OutputClasses | None:
    """The classes and instance output of a job that has them (400 with the reason if the
    project cannot serve them)."""
    if not config.head_data:
        return None
    try:
        return output_classes(
            project,
            classes=config.classes,
            instance_head=config.instance_head,
            target_class=config.target_class,
            class_weights=config.class_weights,
        )
    except OutputClassesError as exc:
        raise TrainingConfigError({exc.field: str(exc)}) from None


def parent_outputs_inherited(config: TrainingConfig) -> TrainingConfig:
    """Fine-tuning a version with several classes or an instance output keeps its outputs
    when the configuration names none (a retrain round, a fine-tune from the form)."""
    if config.heads or config.from_version is None:
        return config
    parent = ModelVersion.objects.filter(pk=config.from_version).values_list("config", flat=True)
    recorded = version_outputs(parent.first() or {})
    if recorded is None:
        return config
    layout, classes = recorded
    return dataclasses.replace(
        config,
        classes=[c["name"] for c in classes] if layout.n_classes > 1 else "",
        instance_head=layout.instance or "",
        class_weights=list((parent.first() or {}).get("class_weights") or []),
    )


def _source_label(source: str) -> str:
    try:
        return GroundTruthSource(source).label.lower()
    except ValueError:
        return source


def native_crops_default(entries: list[SnapshotEntry], input_size: int) -> bool:
    """The automatic choice: native crops when no section is an RI tomogram (their networks keep
    the paper's resize protocol) and some section exceeds the input in either dimension."""
    if any(e.modality == "ri" for e in entries):
        return False
    sizes = Volume.objects.filter(pk__in={e.volume_id for e in entries}).values_list(
        "size_y", "size_x"
    )
    return any(max(h, w) > input_size for h, w in sizes)


def _selected_specimen_ids(project: Project, config: TrainingConfig) -> list[int]:
    specimens = Specimen.objects.filter(project=project)
    if config.specimen_ids:
        wanted = {int(pk) for pk in config.specimen_ids}
        known = set(specimens.filter(pk__in=wanted).values_list("pk", flat=True))
        missing = sorted(wanted - known)
        if missing:
            raise NotFoundError(
                f"Specimens {', '.join(map(str, missing))} are not part of project “{project.name}”."
            )
        specimens = specimens.filter(pk__in=wanted)
    if config.labs:
        specimens = specimens.filter(lab__in=config.labs)
    if config.tags:
        specimens = specimens.filter(tags__project=project, tags__name__in=config.tags)
    ids = sorted(set(specimens.values_list("pk", flat=True)))
    if not ids:
        filters = []
        if config.labs:
            filters.append("lab " + ", ".join(config.labs))
        if config.tags:
            filters.append("tag " + ", ".join(config.tags))
        if config.specimen_ids:
            filters.append(f"{len(config.specimen_ids)} chosen specimens")
        what = " and ".join(filters) if filters else "this project"
        raise TrainingDataConflict(
            {"data": f"No specimen matches {what}."}, code="no_matching_specimens"
        )
    return ids


def training_plan(project: Project, config: TrainingConfig, *, as_of) -> TrainingPlan:
    """Validate the data for ``config`` and split it.

    Raises TrainingConfigError for settings out of range, NotFoundError for specimen ids that are
    not the project's, TrainingDataConflict when the data cannot serve the configuration yet.
    """
    errors = config.problems()
    if errors:
        raise TrainingConfigError(errors)
    try:
        target = class_target(project, name=config.target_class)
    except LookupError as exc:
        if not config.classes:
            raise TrainingConfigError({"target_class": str(exc)}) from None
        target = None  # several classes: no one target class needed
    outputs = plan_outputs(project, config)
    specimen_ids = _selected_specimen_ids(project, config)
    gt_ids = ground_truth_as_of(
        project=project, source=config.gt_source, as_of=as_of, specimen_ids=specimen_ids
    )
    entries = entries_for_ground_truths(gt_ids)
    if config.modalities:
        entries = [e for e in entries if e.modality in config.modalities]
    source = _source_label(config.gt_source)
    if not entries:
        raise TrainingDataConflict(
            {
                "data": (
                    f"There is no {source} ground truth for the {len(specimen_ids)} selected "
                    f"specimen{'s' if len(specimen_ids) != 1 else ''}"
                    + (f" ({', '.join(config.modalities)} images)" if config.modalities else "")
                    + ". Confirm sections in review first, or choose another ground-truth source."
                )
            },
            code="no_ground_truth",
        )
    entries, skipped = (entries, 0) if config.classes else _entries_with_target(entries, target)
    names = sorted({e.specimen_name for e in entries})
    if len(names) < config.folds:
        raise TrainingDataConflict(
            {"folds": _too_few_specimens(config, names, source)}, code="too_few_specimens"
        )
    splits = grouped_folds([str(e.specimen_id) for e in entries], config.folds, seed=config.seed)
    folds = [
        FoldPlan(
            index=i, kind="cv", train=[entries[j] for j in train], val=[entries[j] for j in val]
        )
        for i, (train, val) in enumerate(splits)
    ]
    if config.final_model:
        folds.append(FoldPlan(index=len(folds), kind="final", train=list(entries), val=[]))
    calibrations = {kind: calibration_for(kind) for kind in ("cpu", "cuda")}
    estimates = {kind: _estimate(config, folds, calibrations[kind]) for kind in calibrations}
    device_kind = estimate_device_kind()
    return TrainingPlan(
        entries=entries,
        folds=folds,
        specimens=len(names),
        estimate_s=estimates[device_kind],
        device_kind=device_kind,
        estimates=estimates,
        calibration=calibrations[device_kind],
        target=target,
        outputs=outputs,
        skipped=skipped,
        native_crops=(
            config.native_crops
            if config.native_crops is not None
            else native_crops_default(entries, config.input_size)
        ),
    )


def _entries_with_target(
    entries: list[SnapshotEntry], target: ClassTarget
) -> tuple[list[SnapshotEntry], int]:
    """Leave out the sections whose ground truth holds classes but not the target; refuse
    (409, with the counts) when no section is left. In a one-class project every mask that
    holds anything holds the target, so nothing is read."""
    if target.labels == (target.value,):
        return entries, 0
    lacking = ground_truth_without_target([e.ground_truth_id for e in entries], target.value)
    kept = [e for e in entries if e.ground_truth_id not in lacking]
    if not kept:
        raise TrainingDataConflict(
            {
                "target_class": (
                    f"None of the {len(entries)} sections with ground truth holds the class "
                    f"“{target.name}”: their masks hold other classes only. Annotate or import "
                    f"{target.name} masks, or train on another class."
                )
            },
            code="no_target_class",
            current=without_target_counts(len(entries), len(lacking), target),
        )
    return kept, len(lacking)


def _too_few_specimens(config: TrainingConfig, names: list[str], source: str) -> str:
    """Folds never split a specimen: say what is missing, and offer fewer folds only when fewer
    than asked would still be at least the minimum of 2."""
    have = f"the selection has {len(names)}" + (f": {', '.join(names)}" if names else "")
    if len(names) >= MIN_FOLDS:
        return (
            f"{config.folds}-fold cross-validation needs at least {config.folds} specimens with "
            f"{source} ground truth (folds never split a specimen); {have}. Use at most "
            f"{len(names)} folds, or give {config.folds - len(names)} more specimen"
            f"{'s' if config.folds - len(names) != 1 else ''} {source} ground truth."
        )
    missing = MIN_FOLDS - len(names)
    return (
        f"Cross-validation needs at least {MIN_FOLDS} specimens with {source} ground truth, "
        f"because a fold holds out whole specimens; {have}. Give {missing} more specimen"
        f"{'s' if missing != 1 else ''} {source} ground truth (or widen the data filters)."
    )


def _estimate(config: TrainingConfig, folds: list[FoldPlan], calibration: Calibration) -> float:
    """Wall-clock seconds of all folds, calibrated by the folds that finished here."""
    nominal = [
        fold_nominal_seconds(
            config,
            train_sections=len(f.train),
            val_sections=len(f.val),
            device_kind=calibration.device_kind,
        )
        for f in folds
    ]
    return job_seconds(nominal, calibration)


def training_estimate(*, project: Project, config: TrainingConfig) -> dict[str, Any]:
    """What the launch form shows while the user edits: counts, estimates, or the problem."""
    try:
        plan = training_plan(project, parent_outputs_inherited(config), as_of=timezone.now())
    except TrainingConfigError as exc:
        return {"estimate_s": None, "problem": exc.message, "errors": exc.errors}
    return {
        "estimate_s": plan.estimate_s,
        "device_kind": plan.device_kind,
        "estimates": plan.estimates,
        "assumptions": assumptions(plan.calibration),
        "calibration": plan.calibration.public(),
        "long_run": long_run_warning(
            seconds=plan.estimate_s,
            device_kind=plan.device_kind,
            config=config,
            sections=len(plan.entries),
        ),
        "specimens": plan.specimens,
        "sections": len(plan.entries),
        "target_class": plan.target.name if plan.target else "",
        "classes": [c["name"] for c in plan.outputs.classes] if config.classes else [],
        "skipped_sections": plan.skipped,
        "skipped_message": plan.skipped_message(),
        "folds": [
            {
                "index": f.index,
                "kind": f.kind,
                "train_sections": len(f.train),
                "val_sections": len(f.val),
                "specimens_val": [s["name"] for s in FoldPlan.specimens(f.val)],
            }
            for f in plan.folds
        ],
        "problem": None,
        "errors": {},
    }
