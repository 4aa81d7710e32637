"""Pages of evaluation: the list with the launch form, one evaluation (the live job, then its
stored report), the overlay gallery and the side-by-side comparison. Each parses, checks
permission, asks one selector and renders; none writes on a GET."""

from __future__ import annotations

import base64
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from annotations.views.context import managers_post, project_context
from cellweb.jobs.pages import job_page_config
from inference.forms_evaluation import EvaluationLaunchForm
from inference.reports import METRIC_LABELS
from inference.selectors import evaluation as selectors
from inference.selectors import evaluation_pages as pages
from inference.services import evaluation as services
from inference.services.evaluation.target import chosen_class
from inference.views.launch import launch_form

__all__ = [
    "evaluation_compare_page",
    "evaluation_gallery_page",
    "evaluation_page",
    "evaluations_page",
]


@managers_post("Launching an evaluation needs the manager role.")
def evaluations_page(request, project, context):
    choices = selectors.evaluation_form_choices(project)
    launched = launch_form(
        request,
        context,
        partial(EvaluationLaunchForm, choices=choices),
        lambda form: services.evaluation_launch(
            project=project, user=request.user, **form.launch_args()
        ),
        page="evaluation",
        initial=EvaluationLaunchForm.initial_from_query(request.GET, choices),
    )
    if launched.answer is not None:
        return launched.answer
    context |= {
        "form": launched.form,
        "evaluations": pages.evaluation_list(project),
        "choices": choices,
    }
    return render(request, "inference/evaluation_list.html", context, status=launched.status)


@login_required
def evaluation_page(request, evaluation_id: int):
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    context = project_context(request, evaluation.project)
    context |= pages.evaluation_page(evaluation, user=request.user, roles=context["roles"])
    if context["is_report"]:
        context["config"] = {"module": "report"}
    else:
        context["config"] = job_page_config(
            request,
            evaluation,
            kind="evaluation",
            api="evaluations",
            can_cancel=context["can_cancel"],
            title=f"Evaluation {evaluation.pk} · {evaluation.get_set_kind_display()}",
            # The live summary names its metrics from the same table as the report.
            metricLabels=METRIC_LABELS,
        )
    return render(request, "inference/evaluation.html", context)


def _page_number(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 9 else 1


@login_required
def evaluation_gallery_page(request, evaluation_id: int):
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    try:
        value = chosen_class(evaluation, request.GET.get("class"))
    except LookupError as exc:
        messages.error(request, str(exc))
        return render(request, "base.html", status=400)
    gallery = pages.evaluation_gallery(
        evaluation,
        viewer=request.user,
        page=_page_number(request.GET.get("page", "1")),
        subset=request.GET.get("sections", "all"),
        value=value,
    )
    context = project_context(request, evaluation.project) | {
        "evaluation": evaluation,
        "gallery": gallery,
        "config": {"module": "report"},
    }
    return render(request, "inference/evaluation_gallery.html", context)


@login_required
def evaluation_compare_page(request):
    ids = []
    for key in ("a", "b"):
        value = request.GET.get(key, "")
        if not value.isdigit() or len(value) > 18:
            messages.error(request, "Choose two evaluations to compare (?a=ID&b=ID).")
            return render(request, "base.html", status=400)
        ids.append(int(value))
    comparison = pages.evaluation_comparison(user=request.user, a_id=ids[0], b_id=ids[1])
    scatter = base64.b64encode(comparison.pop("scatter_png")).decode("ascii")
    context = project_context(request, comparison["comparison"]["a"].project) | comparison
    context["scatter"] = "data:image/png;base64," + scatter
    return render(request, "inference/evaluation_compare.html", context)
