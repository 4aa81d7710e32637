"""What follows a round's jobs, as listeners of the job machine (registered in ``apps.py``): the
training job's end launches the evaluation on the held-out set; the evaluation's end closes the
round and, when the project asks for it, activates a model that beats the previous round's.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from cellweb.errors import DomainError
from cellweb.jobs import JobStatus
from cellweb.jobs.cancel_note import job_cancel_line
from cellweb.words import as_clause
from inference.models import (
    Evaluation,
    EvaluationMethod,
    EvaluationSetKind,
    ModelVersion,
    RetrainRound,
    RoundSettings,
    RoundState,
    TrainingJob,
)
from inference.reports.sections import nucleus_blocks
from inference.services.evaluation import evaluation_launch
from inference.services.model_versions import model_version_make_active

logger = logging.getLogger(__name__)

__all__ = ["round_evaluation_ended", "round_settle", "round_training_ended"]


def _close(row: RetrainRound, state: str, message: str) -> None:
    row.state = state
    row.message = message[:2000]
    row.finished_at = timezone.now()
    row.save(update_fields=["state", "message", "finished_at"])


def _round_locked(state: str, **link) -> RetrainRound | None:
    """The round in ``state`` linked to the job that ended, locked (none: not a round's job)."""
    return RetrainRound.objects.select_for_update().filter(state=state, **link).first()


def _ended_badly(kind: str, job) -> tuple[str, str]:
    """The round's state and message after its ``job`` ended other than succeeded; a cancel
    says who cancelled the job, when and why ("The evaluation was cancelled by mona at ..."), a
    failure its error ("The fine-tuning job failed: fold 1 failed: the task queue could not be
    reached ...")."""
    if job.status == JobStatus.CANCELLED:
        note = job_cancel_line(job) or "Cancelled."
        return RoundState.CANCELLED, f"The {kind} was {note[0].lower()}{note[1:]}"
    error = (job.error or "").strip()
    return RoundState.FAILED, f"The {kind} {job.status}" + (
        f": {as_clause(error)}" if error else "."
    )


def round_training_ended(job: TrainingJob) -> None:
    """Listener of the kind "training": launch the round's evaluation on its held-out set."""
    with transaction.atomic():
        row = _round_locked(RoundState.TRAINING, training_job_id=job.pk)
        if row is None:
            return
        job = TrainingJob.objects.select_related("cancelled_by").get(pk=job.pk)
        if job.status != JobStatus.SUCCEEDED:
            _close(row, *_ended_badly("fine-tuning job", job))
            return
        version = ModelVersion.objects.filter(job_id=job.pk, kind="final").first()
        if version is None:
            _close(row, RoundState.FAILED, "The fine-tuning job left no final model.")
            return
        row.result_version = version
        try:
            with transaction.atomic():
                row.evaluation = evaluation_launch(
                    project=row.project,
                    user=None,
                    model_version_id=version.pk,
                    set_kind=EvaluationSetKind.SPECIMENS,
                    set_params={"specimen_ids": row.held_out_ids},
                    gt_source=row.gt_source,
                )
        except DomainError as exc:
            row.save(update_fields=["result_version"])
            _close(
                row,
                RoundState.FAILED,
                f"The held-out set could not be scored: {as_clause(exc.message)}",
            )
            return
        row.state = RoundState.EVALUATING
        row.message = f"Scoring #{version.pk} on {len(row.held_out)} held-out specimens"
        row.save(update_fields=["result_version", "evaluation", "state", "message"])


def _nucleus_dice(evaluation: Evaluation) -> float | None:
    """Mean Dice of the model over the held-out sections with a nucleus (the report's number)."""
    blocks = nucleus_blocks(evaluation, [EvaluationMethod.MODEL])
    return ((blocks.get(EvaluationMethod.MODEL) or {}).get("set") or {}).get("dice", {}).get("mean")


def round_evaluation_ended(evaluation: Evaluation) -> None:
    """Listener of the kind "evaluation": close the round; activate its model when the project
    activates on improvement and its Dice is strictly higher than the previous round's."""
    with transaction.atomic():
        row = _round_locked(RoundState.EVALUATING, evaluation_id=evaluation.pk)
        if row is None:
            return
        evaluation.refresh_from_db()
        if evaluation.status != JobStatus.SUCCEEDED:
            _close(row, *_ended_badly("evaluation", evaluation))
            return
        row.dice_nucleus = _nucleus_dice(evaluation)
        row.save(update_fields=["dice_nucleus"])
        previous = (
            RetrainRound.objects.filter(  # scored on the same ground truth (``switch``)
                project=row.project_id,
                number__lt=row.number,
                state=RoundState.DONE,
                gt_source=row.gt_source,
            )
            .order_by("-number")
            .first()
        )
        wanted = RoundSettings.objects.filter(
            project=row.project_id, activate_when_better=True
        ).exists()
        message = "Done."
        if wanted:
            message = _activate_if_better(row, previous)
        _close(row, RoundState.DONE, message)


def _activate_if_better(row: RetrainRound, previous: RetrainRound | None) -> str:
    if previous is None or previous.dice_nucleus is None:
        return "Not activated: there is no earlier round scored on this set to beat."
    if row.dice_nucleus is None:
        return "Not activated: no held-out section with a nucleus was scored."
    if not row.dice_nucleus > previous.dice_nucleus:
        return (
            f"Not activated: Dice {row.dice_nucleus:.4f} is not higher than round "
            f"{previous.number}'s {previous.dice_nucleus:.4f}."
        )
    try:
        model_version_make_active(version=row.result_version)
    except DomainError as exc:
        return f"Not activated: {as_clause(exc.message)}"
    row.activated = True
    row.save(update_fields=["activated"])
    return (
        f"Activated: Dice {row.dice_nucleus:.4f} beats round {previous.number}'s "
        f"{previous.dice_nucleus:.4f} on the same held-out sections."
    )


def round_settle(row: RetrainRound) -> bool:
    """Catch up a round whose job ended while its listener could not run (a worker lost right
    after the commit); True when the round has ended now. A job still running is left alone."""
    waits_on = {  # the state: what the round waits on, which field holds it, its listener
        RoundState.TRAINING: ("training job", "training_job", round_training_ended),
        RoundState.EVALUATING: ("evaluation", "evaluation", round_evaluation_ended),
    }
    if row.state in waits_on:
        what, field, listener = waits_on[row.state]
        job = getattr(row, field)
        if job is None:
            _close(row, RoundState.FAILED, f"Its {what} was deleted.")
        elif job.is_final:
            listener(job)
    row.refresh_from_db()
    return row.state not in (RoundState.TRAINING, RoundState.EVALUATING)
