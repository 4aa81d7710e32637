"""Launching an in-silico-labelling job: validate, pin the pairs, create the folds, queue them.

The job is a ``TrainingJob`` with ``config["task"] == "isl"`` and no ground-truth snapshot; the
label-free sections it trains on are pinned in ``config["pairs"]``. Its folds are queued as jobs
of the kind "fold" after commit, exactly like a segmentation job's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.db import transaction

from annotations.models import Project, Role
from annotations.permissions import require_role
from inference.models import TrainingJob
from inference.services.isl.pairs import isl_plan
from inference.services.training.config import ISL_LOSS, TrainingConfig
from inference.services.training.launch import code_version, fold_runs_create


@dataclass
class IslOptions:
    """What a manager chooses for an ISL job; the rest is fixed by the method (L1 loss, no
    augmentation, as in paper 004)."""

    arch: str = "osnet"
    folds: int = 4
    epochs: int = 100
    batch_size: int = 16
    lr: float = 5e-4
    input_size: int = 448
    seed: int = 0
    specimen_ids: list[int] = field(default_factory=list)
    modalities: list[str] = field(default_factory=list)
    final_model: bool = False


def isl_config(options: IslOptions) -> TrainingConfig:
    # Every option is the training setting of the same name (``asdict`` copies the lists).
    return TrainingConfig(
        **asdict(options),
        loss=ISL_LOSS,
        elastic=False,
        flips=False,
        enlarge_crop=False,
        aug_fraction=0.0,
        task="isl",
    )


def isl_job_launch(
    *, project: Project, user, options: IslOptions, queue: bool = True
) -> TrainingJob:
    """Nothing is written or queued when the project has no pairs (409) or the options cannot
    work (400). ``queue=False`` leaves the folds for a foreground run (``manage.py isl``)."""
    if user is not None:
        require_role(user, project, Role.MANAGER)
    config = isl_config(options)
    pairs, plans = isl_plan(project, config)
    with transaction.atomic():
        job = TrainingJob(
            project=project,
            created_by=user,
            config=config.to_dict() | {"pairs": [p.section_id for p in pairs]},
            snapshot=None,
            code_version=code_version(),
            sections=len(pairs),
            message=(
                f"in-silico labelling: {len(pairs)} label-free/fluorescence pairs of "
                f"{len({p.specimen_id for p in pairs})} specimens"
            ),
        )
        job.full_clean()
        job.save()
        fold_runs_create(job, plans, epochs=config.epochs, queue=queue)
    return job
