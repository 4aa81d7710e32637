"""Pages of training: job list with the launch form, a live job page, model versions."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from annotations.permissions import get_project
from annotations.views.context import managers_post, project_context
from cellweb.errors import DomainError
from cellweb.jobs.pages import job_page_config
from inference.forms import TrainingLaunchForm
from inference.forms_isl import IslLaunchForm
from inference.forms_model_exchange import ModelImportForm
from inference.selectors import training as selectors
from inference.selectors.training_classes import training_class_table
from inference.services.model_versions import model_version_activate
from inference.services.training import training_job_launch
from inference.views.launch import launch_form


@managers_post("Launching a training job needs the manager role.")
def training_page(request, project, context):
    launched = launch_form(
        request,
        context,
        partial(TrainingLaunchForm, project=project),
        lambda form: training_job_launch(
            project=project, user=request.user, config=form.to_config()
        ),
        page="training-job",
    )
    if launched.answer is not None:
        return launched.answer
    jobs = [
        selectors.training_job_public(job) | {"created": job.created_at}
        for job in selectors.training_jobs_for_project(project)[:100]
    ]
    context |= {
        "form": launched.form,
        "isl_form": IslLaunchForm() if context["is_manager"] else None,
        "jobs": jobs,
        "estimate_url": f"/api/projects/{project.slug}/training-estimate/",
        "csrf_token_value": get_token(request),
    }
    return render(request, "inference/training_list.html", context, status=launched.status)


@login_required
def training_job_page(request, job_id: int):
    job = selectors.training_job_get(user=request.user, job_id=job_id)
    snapshot = selectors.training_job_snapshot(job)
    isl = snapshot["task"] == "isl"
    # An in-silico-labelling model predicts the stain: there is no segmentation to evaluate.
    evaluate_url = None if isl else selectors.training_job_evaluate_url(job)
    what = "In-silico labelling job" if isl else "Training job"
    context = project_context(request, job.project) | {
        "job": job,
        "snapshot": snapshot,
        "cv_folds": [f for f in snapshot["folds"] if f["kind"] == "cv"],
        "summary": selectors.training_summary_tables(snapshot.get("summary")),
        "class_table": training_class_table(snapshot["folds"]),
        "evaluate_url": evaluate_url,
        "config": job_page_config(
            request,
            job,
            kind="training",
            api="training-jobs",
            can_cancel=True,
            title=f"{what} {job.pk} · {snapshot['arch_label']}",
            evaluateUrl=evaluate_url,
            validationMetric="pcc" if snapshot["task"] == "isl" else "dice",
        ),
    }
    return render(request, "inference/training_job.html", context)


@login_required
def models_page(request, slug: str):
    return render_models_page(request, get_project(request.user, slug))


def render_models_page(request, project, *, import_form=None, status: int = 200):
    """The model versions page; ``import_form`` carries a refused import's errors back."""
    versions = [
        selectors.model_version_public(v) | {"created": v.created_at}
        for v in selectors.model_versions_for_project(project)[:500]
    ]
    labels = selectors.METRIC_LABELS | selectors.OBJECT_LABELS
    for version in versions:
        version["cells"] = [
            dict(zip(("value", "cv"), selectors.model_version_metric(version["metrics"], key)))
            for key in labels
        ]
    context = project_context(request, project) | {
        "versions": versions,
        "metric_labels": labels,
    }
    if context["is_manager"]:
        context["import_form"] = import_form or ModelImportForm()
    return render(request, "inference/models.html", context, status=status)


def _compare_ids(request) -> list[int]:
    raw = ",".join(request.GET.getlist("ids"))
    ids = []
    for part in raw.split(","):
        part = part.strip()
        if part.isdigit() and len(part) <= 18:
            ids.append(int(part))
    return list(dict.fromkeys(ids))[:20]


@login_required
def model_compare_page(request, slug: str):
    project = get_project(request.user, slug)
    ids = _compare_ids(request)
    if len(ids) < 2:
        messages.error(request, "Tick at least two model versions to compare.")
        return redirect("models", slug=project.slug)
    try:
        comparison = selectors.model_version_compare(project=project, ids=ids)
    except Http404 as exc:
        messages.error(request, str(exc))
        return redirect("models", slug=project.slug)
    context = project_context(request, project) | {"comparison": comparison}
    return render(request, "inference/model_compare.html", context)


@login_required
@require_POST
def model_activate_page(request, version_id: int):
    version = selectors.model_version_get(user=request.user, version_id=version_id)
    try:
        model_version_activate(version=version, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"“{version.name}” is now the model used for prediction.")
    return redirect("models", slug=version.project.slug)
