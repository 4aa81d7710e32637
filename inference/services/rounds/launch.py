"""Launching a retrain round: the one path for the rounds page, the API and
``manage.py retrain_round``.

A round fine-tunes the project's active version on every specimen with confirmed ground truth
except the held-out ones, with the parent's settings (network, input size, batch, loss) and the
project's round epochs; it learns the class its parent learned. The project's first round fixes
the held-out specimens and the ground-truth source (``rounds.source``); every later round trains
and scores on the same, so the rounds' numbers compare.
"""

from __future__ import annotations

import random

from django.db import transaction
from django.utils import timezone

from annotations.models import GroundTruthSource, Project, Role, Specimen
from annotations.permissions import require_role
from annotations.services.snapshots import ground_truth_as_of
from cellweb.errors import ConflictError
from inference.class_target import class_target
from inference.datasets import entries_for_ground_truths
from inference.models import ModelVersion, RetrainRound, RoundSettings, RoundState
from inference.selectors.model_versions import active_version_or_refuse
from inference.services.rounds.chain import round_settle
from inference.services.rounds.source import round_gt_source
from inference.services.training import TrainingConfig, training_job_launch

# Share of the specimens with ground truth the first round holds out (at least one).
HELD_OUT_FRACTION = 0.25
MIN_TRAINING_SPECIMENS = 2
# What a round takes from its parent's training settings; the data filters are the round's own.
INHERITED = ("arch", "batch_size", "lr", "betas", "loss", "elastic", "flips", "enlarge_crop")
INHERITED += ("aug_fraction", "input_size", "seed", "folds", "native_crops", "crop_foreground")
# The images the parent reads: a bright-field model stays a bright-field model.
INHERITED += ("modalities",)
# How the parent learned its classes (its classes and instance output follow from its version,
# ``training.outputs.parent_outputs_inherited``).
INHERITED += ("instance_alpha", "foreground_normalise")


def _held_out_choice(project: Project, specimen_ids: list[int]) -> list[int]:
    """The first round's held-out specimens: a seeded draw, so the same data gives the same set
    (none without specimens: the launch then says how many it needs)."""
    if not specimen_ids:
        return []
    count = max(1, round(HELD_OUT_FRACTION * len(specimen_ids)))
    return sorted(random.Random(project.pk).sample(sorted(specimen_ids), count))


def _target_class(parent: ModelVersion) -> str:
    """The class the parent learned, by its name today (blank: the project's nucleus class)."""
    value = (parent.config or {}).get("target_value")
    if value is None:
        return ""
    try:
        return class_target(parent.project, value=value).name
    except LookupError as exc:
        raise ConflictError(
            f"The active model cannot be fine-tuned: {exc}", code="parent_arch_mismatch"
        ) from None


def _round_config(parent: ModelVersion, *, epochs: int, train_ids: list[int], source: str):
    inherited = {k: v for k, v in (parent.config or {}).items() if k in INHERITED}
    inherited["arch"] = parent.arch
    inherited["target_class"] = _target_class(parent)
    inherited["folds"] = max(2, min(int(inherited.get("folds") or 2), len(train_ids)))
    return TrainingConfig.from_dict(
        inherited
        | {
            "epochs": epochs,
            "gt_source": source,
            "specimen_ids": train_ids,
            "final_model": True,
            "from_version": parent.pk,
        }
    )


def retrain_round_launch(
    *, project: Project, user, epochs: int | None = None, gt_source: str | None = None
) -> RetrainRound:
    """Fine-tune the active version on the confirmed ground truth of now; its evaluation on the
    held-out specimens follows when the training job succeeds (``rounds.chain``). ``gt_source``
    (none: the series', else the active model's own) is fixed by the first round.

    409 when there is no active model, a round is still running, ``gt_source`` is not the
    series', or too few specimens have ground truth to hold some out and still cross-validate;
    400 for a bad configuration.
    """
    if user is not None:
        require_role(user, project, Role.MANAGER)
    with transaction.atomic():
        # One row per project serialises launches: round numbers never collide.
        settings, _ = RoundSettings.objects.select_for_update().get_or_create(project=project)
        rounds = RetrainRound.objects.filter(project=project)
        running = rounds.filter(state__in=[RoundState.TRAINING, RoundState.EVALUATING]).first()
        if running is not None and round_settle(running):
            running = None
        if running is not None:
            raise ConflictError(
                f"Round {running.number} is still {running.get_state_display().lower()}; "
                "wait for it to end (or cancel its job) before launching another.",
                code="round_running",
            )
        parent = active_version_or_refuse(
            project,
            "A round fine-tunes the active model and this project has none: train a model "
            "and activate a version on the Models page first.",
        )
        first = rounds.order_by("number").first()
        source = round_gt_source(parent=parent, first=first, requested=gt_source, settings=settings)
        now = timezone.now()
        entries = entries_for_ground_truths(
            ground_truth_as_of(project=project, source=source, as_of=now)
        )
        with_gt = sorted({e.specimen_id for e in entries})
        held_out = first.held_out_ids if first else _held_out_choice(project, with_gt)
        train_ids = [pk for pk in with_gt if pk not in set(held_out)]
        if not first and len(train_ids) < MIN_TRAINING_SPECIMENS:
            raise ConflictError(
                f"A round holds out specimens for its evaluation and cross-validates on the "
                f"others, so it needs at least {MIN_TRAINING_SPECIMENS + 1} specimens with "
                f"{GroundTruthSource(source).label.lower()} ground truth; this project "
                f"has {len(with_gt)}.",
                code="too_few_specimens",
            )
        if len(train_ids) < MIN_TRAINING_SPECIMENS:
            raise ConflictError(
                f"Only {len(train_ids)} specimen(s) outside the held-out set have "
                f"{GroundTruthSource(source).label.lower()} ground truth; fine-tuning needs at "
                f"least {MIN_TRAINING_SPECIMENS}.",
                code="too_few_specimens",
            )
        config = _round_config(
            parent, epochs=epochs or settings.epochs, train_ids=train_ids, source=source
        )
        job = training_job_launch(project=project, user=user, config=config)
        names = dict(Specimen.objects.filter(pk__in=held_out).values_list("pk", "name"))
        number = (rounds.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        row = RetrainRound(
            project=project,
            number=number,
            created_by=user if getattr(user, "is_authenticated", False) else None,
            parent_version=parent,
            training_job=job,
            gt_source=source,
            gt_sections=len(entries),
            held_out=[{"id": pk, "name": names.get(pk, f"specimen {pk}")} for pk in held_out],
            message=(
                f"Fine-tuning #{parent.pk} {parent.name} on {job.sections} sections of "
                f"{GroundTruthSource(source).label.lower()} ground truth"
            ),
        )
        row.full_clean()
        row.save()
    return row
