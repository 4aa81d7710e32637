"""The training job page's "Rank the work queue by these fold models" (managers): a POST that
queues a disagreement scoring of the job's fold models and comes back to the job's page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from cellweb.pages import refusing
from inference.selectors.training import training_job_get
from inference.services.disagreement import disagreement_launch


@login_required
@require_POST
@refusing
def disagreement_launch_page(request, job_id: int):
    job = training_job_get(user=request.user, job_id=job_id)
    scoring = disagreement_launch(project=job.project, user=request.user, training_job_id=job.pk)
    messages.success(
        request,
        f"Scoring {scoring.pk} is queued: the fold models of this job will score every section "
        "that still needs annotations. The work queue ranks by it in the mode “Most "
        "informative first” (project settings).",
    )
    return redirect("training-job", job_id=job.pk)
