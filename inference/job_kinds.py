"""The job kinds of the inference app (found by ``cellweb.jobs``'s registry): a training job is
a parent gathered from its folds; a fold, an evaluation, a prediction, a proposals run, a
disagreement scoring and a learning curve are work on the ``gpu`` queue; a model import (its
test input run on the CPU) on the ``celery`` queue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings

from cellweb.jobs import JobKind, JobStatus, RetryPolicy, Watch, register
from cellweb.jobs.cancel_note import job_cancel_line
from cellweb.jobs.pages import JobPage
from inference.ml.device import device_description, pick_device
from inference.models import (
    DisagreementJob,
    Evaluation,
    FoldRun,
    LearningCurve,
    ModelImportJob,
    Prediction,
    ProposalRun,
    TrainingJob,
)
from inference.selectors.disagreement import disagreement_get, disagreement_snapshot
from inference.selectors.evaluation import evaluation_get, evaluation_snapshot
from inference.selectors.learning_curve import learning_curve_get, learning_curve_snapshot
from inference.selectors.model_import import (
    model_import_get,
    model_import_outcome,
    model_import_snapshot,
)
from inference.selectors.prediction import prediction_get, prediction_snapshot
from inference.selectors.training import training_job_get, training_job_snapshot
from inference.services.disagreement import disagreement_work
from inference.services.evaluation import (
    evaluation_cleanup,
    evaluation_report,
    evaluation_work,
)
from inference.services.learning_curve import learning_curve_report, learning_curve_work
from inference.services.model_exchange import model_import_finish, model_import_work
from inference.services.prediction import (
    prediction_cleanup,
    prediction_ending,
    prediction_finish,
    prediction_work,
)
from inference.services.proposals import proposal_run_work
from inference.services.training import (
    fold_started,
    fold_work,
    training_job_finish,
    training_job_gather,
)


@register
class TrainingKind(JobKind):
    """A cross-validation job: no work of its own; its status is gathered from its folds."""

    name = "training"
    model = TrainingJob
    watch = Watch(training_job_get, training_job_snapshot)

    def children(self, job: TrainingJob):
        return FoldRun.objects.filter(job=job)

    def gather(self, job_id: int) -> None:
        training_job_gather(job_id)

    def finish(self, job: TrainingJob) -> None:
        training_job_finish(job)

    def status_event(self, job: TrainingJob) -> dict[str, Any]:
        return {**super().status_event(job), "summary": job.summary}


@register
class FoldKind(JobKind):
    """One fold of a training job; retried from its checkpoint, watched on its job's page."""

    name = "fold"
    model = FoldRun
    queue = "gpu"
    parent = "training"
    parent_field = "job"
    retry = RetryPolicy(retries=lambda: settings.TRAINING_MAX_RETRIES, resume=True)

    def work(self, job: FoldRun, ctx) -> None:
        fold_work(job, ctx)

    def started(self, job: FoldRun, ctx) -> list[str]:
        return fold_started(job, ctx)

    def ending(self, job: FoldRun) -> list[str]:
        job.eta_s = 0.0 if job.status == JobStatus.SUCCEEDED else None
        return ["eta_s"]

    def lost_note(self, job: FoldRun) -> str:
        return f"at epoch {job.epoch}"

    def event_fields(self, job: FoldRun) -> dict[str, Any]:
        return {"fold": job.index}

    def status_event(self, job: FoldRun) -> dict[str, Any]:
        return {
            "type": "fold_status",
            "status": job.status,
            "worker": job.worker,
            "device": job.device,
            "attempts": job.attempts,
            "error": job.error or None,
            "cancel_note": job_cancel_line(job),
        }


@dataclass(frozen=True)
class Services:
    """The services an inference kind's run calls: ``work(job, ctx)`` returns the stored result;
    where a kind has them, ``report(job)`` writes its report's files (merged into the result) and
    ``cleanup(job)`` removes what a run that did not succeed left."""

    work: Callable[[Any, Any], dict[str, Any]]
    report: Callable[[Any], dict[str, Any]] | None = None
    cleanup: Callable[[Any], None] | None = None


class _InferenceKind(JobKind):
    """Inference on the device the run asked for (``options["device"]``) or the best one here;
    the work itself is the kind's ``services``."""

    queue = "gpu"
    services: ClassVar[Services]

    def started(self, job, ctx) -> list[str]:
        device = pick_device(ctx.options.get("device"))
        ctx.options["torch_device"] = device
        ctx.where = f"{ctx.worker} ({device_description(device)})"
        return []

    def work(self, job, ctx) -> dict[str, Any]:
        return self.services.work(job, ctx)

    def report(self, job, ctx) -> dict[str, Any] | None:
        return self.services.report(job) if self.services.report else None

    def cleanup(self, job) -> None:
        if self.services.cleanup:
            self.services.cleanup(job)


@register
class EvaluationKind(_InferenceKind):
    """An evaluation. Not retried; a run cut short by a lost worker starts again cleanly."""

    name = "evaluation"
    model = Evaluation
    watch = Watch(evaluation_get, evaluation_snapshot, "evaluation_id")
    services = Services(evaluation_work, report=evaluation_report, cleanup=evaluation_cleanup)

    def status_event(self, job: Evaluation) -> dict[str, Any]:
        summary = {"metrics": job.summary.get("metrics") or {}} if job.summary else None
        return {**super().status_event(job), "summary": summary}


@register
class PredictionKind(_InferenceKind):
    """A prediction on new data. Not retried; a run cut short starts again cleanly, and only a
    run that succeeds makes its results current."""

    name = "prediction"
    model = Prediction
    watch = Watch(prediction_get, prediction_snapshot, "prediction_id")
    services = Services(prediction_work, cleanup=prediction_cleanup)

    def ending(self, job: Prediction) -> list[str]:
        return prediction_ending(job)

    def finish(self, job: Prediction) -> None:
        prediction_finish(job)

    def status_event(self, job: Prediction) -> dict[str, Any]:
        return {**super().status_event(job), "summary": job.summary or []}


@register
class DisagreementKind(_InferenceKind):
    """The fold models of a training job scoring the sections that still need annotations. Not
    retried; a run cut short starts again cleanly (the scores are written at its end)."""

    name = "disagreement"
    model = DisagreementJob
    watch = Watch(disagreement_get, disagreement_snapshot)
    services = Services(disagreement_work)


@register
class ProposalsKind(_InferenceKind):
    """Stores the active version's proposals of the queued sections. Not retried; a run cut
    short starts again and skips what was stored."""

    name = "proposals"
    model = ProposalRun
    services = Services(proposal_run_work)


@register
class LearningCurveKind(_InferenceKind):
    """A learning curve. Not retried; a run cut short by a lost worker starts again cleanly (its
    points are measured afresh); a cancelled or failed run keeps the points it finished."""

    name = "learning_curve"
    model = LearningCurve
    watch = Watch(learning_curve_get, learning_curve_snapshot, "curve_id")
    services = Services(learning_curve_work, report=learning_curve_report)

    def status_event(self, job: LearningCurve) -> dict[str, Any]:
        return {**super().status_event(job), "points": len(job.points or [])}


def model_import_page(job: ModelImportJob, status: dict[str, Any]) -> dict[str, Any]:
    """The model import page's title, and its way back to the model versions."""
    done = f"/projects/{job.project.slug}/models/"
    title = f"Importing the model {job.original_name}"
    return {"title": title, "doneUrl": done, "doneLabel": "Back to the model versions"}


@register
class ModelImportKind(JobKind):
    """A model file checked by running its test input, then stored. Not retried: a refused
    file fails the same way every time; a run cut short by a lost worker starts again."""

    name = "model_import"
    model = ModelImportJob
    watch = Watch(model_import_get, model_import_snapshot)
    page = JobPage("inference/model_import.html", "model-imports", "import", model_import_page)

    def work(self, job: ModelImportJob, ctx) -> dict[str, Any]:
        return model_import_work(job, ctx)

    def finish(self, job: ModelImportJob) -> None:
        model_import_finish(job)

    def status_event(self, job: ModelImportJob) -> dict[str, Any]:
        return {**super().status_event(job), **model_import_outcome(job)}
