"""Pages of prediction: the project's list with the launch form and the "predict new imports"
setting, one prediction (live progress, then orthogonal views, nuclei table and charts), and
its downloads (label TIFFs, nuclei CSV, orthogonal views). None writes on a GET."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from annotations.views.context import managers_post, project_context
from cellweb.jobs.pages import job_page_config
from inference.forms_prediction import PredictionLaunchForm, PredictionSettingsForm
from inference.selectors import prediction as selectors
from inference.selectors import prediction_pages as pages
from inference.selectors.prediction_images import orthogonal_views_png
from inference.services import prediction as services
from inference.services.prediction.export import nuclei_csv, safe_name
from inference.views.launch import LaunchForm, launch_form

__all__ = [
    "prediction_csv",
    "prediction_labels",
    "prediction_orthoviews",
    "prediction_page",
    "predictions_page",
]


@managers_post("Launching a prediction needs the manager role.")
def predictions_page(request, project, context):
    choices = pages.launch_choices(project)
    settings_form = PredictionSettingsForm(
        initial={"predict_new_imports": selectors.prediction_settings(project).predict_new_imports}
    )
    if request.method == "POST" and request.POST.get("action") == "settings":
        settings_form = PredictionSettingsForm(request.POST)
        if settings_form.is_valid():
            services.prediction_settings_set(
                project=project, user=request.user, **settings_form.cleaned_data
            )
            messages.success(request, "Prediction settings saved.")
            return redirect("predictions", slug=project.slug)
        launched = LaunchForm(None, status=400)
    else:
        launched = launch_form(
            request,
            context,
            partial(PredictionLaunchForm, **choices),
            lambda form: services.prediction_launch(
                project=project, user=request.user, **form.launch_args()
            ),
            page="prediction",
        )
        if launched.answer is not None:
            return launched.answer
    context |= {
        "form": launched.form,
        "settings_form": settings_form,
        "predictions": selectors.prediction_list(project=project),
        "active_model": selectors.active_model_version(project),
        "version_count": len(choices["versions"]),
    }
    return render(request, "inference/prediction_list.html", context, status=launched.status)


@login_required
@require_GET
def prediction_page(request, prediction_id: int):
    prediction = selectors.prediction_get(user=request.user, prediction_id=prediction_id)
    context = project_context(request, prediction.project)
    pair = [request.GET.get("tag_a", ""), request.GET.get("tag_b", "")]
    tags = pair if all(pair) else [t for t in request.GET.get("tags", "").split(",") if t][:2]
    context |= pages.prediction_page(
        prediction,
        tags=tags,
        volume_id=request.GET.get("volume"),
        include_edge=request.GET.get("edge") == "in",
    )
    context["config"] = job_page_config(
        request,
        prediction,
        kind="prediction",
        api="predictions",
        module="prediction",
        status=prediction.status,
        sections=prediction.sections,
        series=context["series"],
        comparison=context["comparison"],
    )
    return render(request, "inference/prediction.html", context)


def _result(request, prediction_id: int, volume_id: int):
    prediction = selectors.prediction_get(user=request.user, prediction_id=prediction_id)
    result = selectors.prediction_results(prediction).filter(volume_id=volume_id).first()
    if result is None:
        raise Http404("This prediction has no current result for that volume.")
    return result


@login_required
@require_GET
def prediction_labels(request, prediction_id: int, volume_id: int):
    result = _result(request, prediction_id, volume_id)
    with result.labels.open("rb") as fh:
        body = fh.read()
    response = HttpResponse(body, content_type="image/tiff")
    name = f"{safe_name(result.specimen.name)}_t{result.time_index}_labels.tif"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def prediction_orthoviews(request, prediction_id: int, volume_id: int):
    result = _result(request, prediction_id, volume_id)
    response = HttpResponse(orthogonal_views_png(result), content_type="image/png")
    response["Cache-Control"] = "private, max-age=60"
    return response


@login_required
@require_GET
def prediction_csv(request, prediction_id: int):
    prediction = selectors.prediction_get(user=request.user, prediction_id=prediction_id)
    response = HttpResponse(
        nuclei_csv(selectors.prediction_results(prediction)), content_type="text/csv"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="prediction-{prediction.pk}-nuclei.csv"'
    )
    return response
