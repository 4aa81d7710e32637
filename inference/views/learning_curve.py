"""Pages of learning curves: the project's list with the launch form, one curve (live progress,
then the chart, the table and the plateau sentence) and its stored CSV and figure. None writes
on a GET."""

from __future__ import annotations

from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotations.views.context import managers_post, project_context
from cellweb.jobs.pages import job_page_config
from inference.forms_learning_curve import LearningCurveForm
from inference.selectors import learning_curve as selectors
from inference.services.learning_curve import learning_curve_launch
from inference.views.launch import launch_form

__all__ = ["learning_curve_file", "learning_curve_page", "learning_curves_page"]

FILES = {
    "csv": ("points.csv", "text/csv"),
    "figure": ("curve.png", "image/png"),
    "report": ("report.html", "text/html; charset=utf-8"),
}


@managers_post("Launching a learning curve needs the manager role.")
def learning_curves_page(request, project, context):
    launched = launch_form(
        request,
        context,
        partial(LearningCurveForm, versions=selectors.start_version_choices(project)),
        lambda form: learning_curve_launch(
            project=project, user=request.user, config=form.config()
        ),
        page="learning-curve",
    )
    if launched.answer is not None:
        return launched.answer
    context |= {"form": launched.form, "curves": selectors.learning_curve_list(project=project)}
    return render(request, "inference/learning_curve_list.html", context, status=launched.status)


@login_required
@require_GET
def learning_curve_page(request, curve_id: int):
    curve = selectors.learning_curve_get(user=request.user, curve_id=curve_id)
    context = project_context(request, curve.project)
    context |= {"curve": curve, **selectors.learning_curve_page(curve)}
    context["config"] = job_page_config(
        request,
        curve,
        kind="learning_curve",
        api="learning-curves",
        module="lcurve",
        status=curve.status,
        points=curve.points,
        total=curve.total_points,
    )
    return render(request, "inference/learning_curve.html", context)


@login_required
@require_GET
def learning_curve_file(request, curve_id: int, key: str):
    curve = selectors.learning_curve_get(user=request.user, curve_id=curve_id)
    name, content_type = FILES[key]
    handle = selectors.learning_curve_open_file(curve, key)
    return FileResponse(
        handle,
        as_attachment=request.GET.get("inline") != "1",
        filename=f"learning_curve_{curve.pk}_{name}",
        content_type=content_type,
    )
