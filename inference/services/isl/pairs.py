"""The label-free/fluorescence pairs an in-silico-labelling job trains on, and their folds.

A pair is a label-free section with its registered fluorescence section (``Section.fluorescence``,
set when a fluorescence volume is imported beside its label-free partner). Folds hold out whole
specimens, as for segmentation.
"""

from __future__ import annotations

from annotations.models import Project, Section
from cellweb.errors import ConflictError
from inference.ml.data import grouped_folds
from inference.services.isl.sections import StainPair, pairs_of
from inference.services.training.config import TrainingConfig, TrainingConfigError
from inference.services.training.plan import FoldPlan, _selected_specimen_ids


def project_pairs(project: Project, config: TrainingConfig) -> list[StainPair]:
    """Every pair of the selected specimens (and modalities), in a stable order."""
    specimen_ids = _selected_specimen_ids(project, config)
    sections = Section.objects.filter(project=project, specimen_id__in=specimen_ids)
    if config.modalities:
        sections = sections.filter(volume__modality__in=config.modalities)
    return pairs_of(sections)


def isl_plan(project: Project, config: TrainingConfig) -> tuple[list[StainPair], list[FoldPlan]]:
    """The pairs and their folds; refused before anything is written when it cannot work."""
    errors = config.problems()
    if errors:
        raise TrainingConfigError(errors)
    pairs = project_pairs(project, config)
    if not pairs:
        raise ConflictError(
            f"Project “{project.name}” has no label-free section with paired fluorescence"
            + (" among the selected specimens" if config.specimen_ids else "")
            + ". In-silico labelling learns the stain from such pairs: import a fluorescence "
            "volume (e.g. DAPI) beside its label-free volume first.",
            code="no_stain",
        )
    names = sorted({p.specimen_name for p in pairs})
    if len(names) < config.folds:  # depends on the project's data, not the request: 409
        raise ConflictError(
            f"{config.folds}-fold cross-validation needs at least {config.folds} specimens with "
            f"paired fluorescence (folds never split a specimen); the selection has "
            f"{len(names)}: {', '.join(names)}."
            + (f" Use at most {len(names)} folds." if len(names) >= 2 else ""),
            code="too_few_specimens",
        )
    splits = grouped_folds([str(p.specimen_id) for p in pairs], config.folds, seed=config.seed)
    folds = [
        FoldPlan(index=i, kind="cv", train=[pairs[j] for j in tr], val=[pairs[j] for j in va])
        for i, (tr, va) in enumerate(splits)
    ]
    if config.final_model:
        folds.append(FoldPlan(index=len(folds), kind="final", train=list(pairs), val=[]))
    return pairs, folds
