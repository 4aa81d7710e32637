"""Pages of retrain rounds: the project's rounds (launch, settings, learning curve) and one round
beside the one before it. None writes on a GET."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from annotations.permissions import get_project
from annotations.views.context import managers_post, project_context
from cellweb.errors import DomainError
from inference.forms_rounds import RoundLaunchForm, RoundSettingsForm, RoundSourceForm
from inference.reports.learning_curve import learning_curve_png
from inference.reports.plotting import FigureLeftOut
from inference.selectors import rounds as selectors
from inference.selectors.prediction import active_model_version
from inference.services.rounds import (
    retrain_round_launch,
    round_settings_set,
    round_source_switch,
)

__all__ = ["round_page", "rounds_page"]


def _curve(project, source: dict) -> dict[str, str]:
    try:
        data = learning_curve_png(selectors.learning_curve_points(project))
    except FigureLeftOut as exc:
        if source["switched"]:  # rounds were scored, on the ground truth before the switch
            return {
                "curve_note": f"No round has been scored on {source['label'].lower()} "
                "ground truth since the switch: the curve starts with the next one."
            }
        return {"curve_note": str(exc)}
    return {"curve": "data:image/png;base64," + base64.b64encode(data).decode("ascii")}


def _post(request, project, action: str, form):
    """(redirect or None, status): the launch, the settings or the source switch, whichever was
    posted (``action``, its bound ``form``)."""
    if not form.is_valid():
        return None, 400
    try:
        if action == "settings":
            round_settings_set(project=project, user=request.user, **form.cleaned_data)
            messages.success(request, "Round settings saved.")
        elif action == "source":
            switch = round_source_switch(project=project, user=request.user, **form.cleaned_data)
            messages.success(
                request,
                f"The next rounds train and score on {switch.get_source_display().lower()} "
                "ground truth."
                if switch
                else "The rounds already use that ground truth; nothing changed.",
            )
        else:
            row = retrain_round_launch(project=project, user=request.user, **form.cleaned_data)
            messages.success(
                request, f"Round {row.number} launched: fine-tuning job {row.training_job_id}."
            )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return None, exc.status_code
    return redirect("rounds", slug=project.slug), 200


@managers_post("Retrain rounds need the manager role.")
def rounds_page(request, project, context):
    current = selectors.round_settings(project)
    settings_form = RoundSettingsForm(
        initial={
            "epochs": current.epochs,
            "activate_when_better": current.activate_when_better,
            "retrain_after_sections": current.retrain_after_sections,
        }
    )
    next_source = selectors.round_next_source(project)
    forms = {
        "launch": RoundLaunchForm(initial={"gt_source": next_source["source"]}),
        "settings": settings_form,
        "source": RoundSourceForm(initial={"gt_source": next_source["source"]}),
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        action = action if action in forms else "launch"
        forms[action] = type(forms[action])(request.POST)
        answer, status = _post(request, project, action, forms[action])
        if answer is not None:
            return answer
    context |= {
        "rounds": selectors.round_list(project),
        "round_settings": current,
        "settings_form": forms["settings"],
        "launch_form": forms["launch"],
        "source_form": forms["source"],
        "source_switches": selectors.round_source_switches(project),
        "active_model": active_model_version(project),
        "next_source": next_source,
        **_curve(project, next_source),
    }
    return render(request, "inference/rounds.html", context, status=status)


@login_required
@require_GET
def round_page(request, slug: str, number: int):
    project = get_project(request.user, slug)
    context = project_context(request, project) | selectors.round_comparison(
        project, number, request.user
    )
    return render(request, "inference/round.html", context)
