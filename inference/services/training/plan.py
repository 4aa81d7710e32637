"""Which sections a job trains on and how they split into folds, with the job's run-time
estimate, checked before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
from inference.output_classes import OutputClasses
from inference.services.training.config import (
    TrainingConfig,
    TrainingConfigError,
    TrainingDataConflict,
)
from inference.services.training.estimate import (
    Calibration,
    calibration_for,
    estimate_device_kind,
    fold_nominal_seconds,
    held_out_nominal_seconds,
    job_seconds,
)
from inference.services.training.fold_sizes import fold_inputs, fold_megapixels
from inference.services.training.outputs import plan_outputs

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
    native_crops = (
        config.native_crops
        if config.native_crops is not None
        else native_crops_default(entries, config.input_size)
    )
    calibrations = {kind: calibration_for(kind) for kind in ("cpu", "cuda")}
    estimates = {
        kind: _estimate(config, folds, calibrations[kind], native_crops=native_crops)
        for kind in calibrations
    }
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
        native_crops=native_crops,
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


def _estimate(
    config: TrainingConfig,
    folds: list[FoldPlan],
    calibration: Calibration,
    *,
    native_crops: bool,
) -> float:
    """Wall-clock seconds of all folds, calibrated by the folds that finished here: each pass
    costs by its network inputs (with native crops, the tiles that cover each section)."""
    sizes = {"input_size": config.input_size, "native_crops": native_crops}
    kind = calibration.device_kind
    nominal = []
    for f in folds:
        train, val = fold_inputs(f.train, **sizes), fold_inputs(f.val, **sizes)
        nominal.append(
            fold_nominal_seconds(config, train_sections=train, val_sections=val, device_kind=kind)
            + held_out_nominal_seconds(config, val_sections=val, device_kind=kind)
        )
    return job_seconds(nominal, calibration, [fold_megapixels(f.train + f.val) for f in folds])
