"""The in-silico-labelling launch of the training page (``POST``; the form sits on that page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from annotations.models import Role
from annotations.permissions import get_project
from cellweb.errors import InvalidInput
from cellweb.pages import refused, refusing
from inference.forms_isl import IslLaunchForm
from inference.services.isl import isl_job_launch


@login_required
@require_POST
@refusing
def isl_launch_page(request, slug: str):
    project = get_project(request.user, slug, Role.MANAGER)
    form = IslLaunchForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(
            f"{form[name].label}: {' '.join(e)}" for name, e in form.errors.items()
        )
        return refused(request, InvalidInput(f"In-silico labelling not launched: {problems}"))
    job = isl_job_launch(project=project, user=request.user, options=form.to_options())
    messages.success(
        request, f"In-silico labelling job {job.pk} launched; this page follows it live."
    )
    return redirect("training-job", job_id=job.pk)
