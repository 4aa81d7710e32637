"""REST endpoints of training jobs: launch, list, follow and cancel them; estimate a run."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.permissions import get_project
from cellweb.api import conflict_responses
from cellweb.jobs.api import job_api_views
from inference.apis.training_input import TrainingConfigInput
from inference.apis.training_output import (
    ERRORS,
    TrainingEstimateSerializer,
    TrainingJobDetailSerializer,
    TrainingJobListSerializer,
)
from inference.apis.views import ProjectJobLaunchApi, ProjectListApi, launch_schema, list_schema
from inference.conflicts import CONFLICTS
from inference.selectors import training as selectors
from inference.services import training as services

# ---------------------------------------------------------------------------------------------
# Jobs


@list_schema(
    operation_id="training_jobs_list",
    summary="Training jobs of a project, newest first",
    errors=ERRORS,
)
@launch_schema(
    operation_id="training_jobs_launch",
    summary="Launch a cross-validated training job (managers)",
    description=(
        "Validates the configuration (400) and the data (409: no ground truth, too few "
        "specimens for the folds) first; nothing is queued when it cannot work. Freezes the ground truth, "
        "splits the specimens into folds and queues one task per fold on the gpu queue."
    ),
    errors=ERRORS,
    refusals=conflict_responses(
        CONFLICTS,
        "no_matching_specimens",
        "no_ground_truth",
        "too_few_specimens",
        "parent_arch_mismatch",
        "channel_mismatch",
        "no_target_class",
    ),
)
class ProjectTrainingJobsApi(ProjectListApi, ProjectJobLaunchApi):
    kind = "training"
    input = TrainingConfigInput
    output = TrainingJobDetailSerializer

    page_output = TrainingJobListSerializer

    def items(self, project):
        return list(selectors.training_jobs_for_project(project)[:5000])

    def row(self, job):
        return selectors.training_job_public(job)

    def launch(self, project, user, body):
        return services.training_job_launch(project=project, user=user, config=body.to_config())


class TrainingEstimateApi(APIView):
    @extend_schema(
        operation_id="training_estimate",
        summary="Run-time estimate of a configuration (for the launch form)",
        description="Answers 200 with `problem` set when the configuration or the data cannot work.",
        request=TrainingConfigInput,
        responses={200: TrainingEstimateSerializer, **ERRORS},
    )
    def post(self, request, slug: str):
        project = get_project(request.user, slug)
        body = TrainingConfigInput(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.training_estimate(project=project, config=body.to_config())
        return Response(TrainingEstimateSerializer(result).data)


TrainingJobDetailApi, TrainingJobCancelApi = job_api_views(
    "training",
    output=TrainingJobDetailSerializer,
    errors=ERRORS,
    operations=("training_job_get", "training_job_cancel"),
    summaries=(
        "A training job: configuration, folds with split and history, summary",
        "Cancel a training job (running folds stop at their next batch)",
    ),
)
