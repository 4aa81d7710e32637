"""REST endpoints of training jobs: launch, list, follow and cancel them; estimate a run."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.permissions import get_project
from cellweb.api import conflict_responses
from cellweb.api.pagination import PageSerializer
from cellweb.jobs.api import (
    STARTED_AT,
    JobRowSerializer,
    JobSnapshotSerializer,
    JobSummarySerializer,
    RunTimesSerializer,
    job_api_views,
)
from inference.apis.errors import DetailSerializer, detail_errors
from inference.apis.training_input import TrainingConfigInput
from inference.apis.views import ProjectJobLaunchApi, ProjectListApi, launch_schema, list_schema
from inference.conflicts import CONFLICTS
from inference.selectors import training as selectors
from inference.services import training as services

# ---------------------------------------------------------------------------------------------
# Output


# The training endpoints' error answer: the same shape, its own schema component.
class TrainingErrorSerializer(DetailSerializer):
    pass


class TrainingHistoryPointSerializer(serializers.Serializer):
    epoch = serializers.IntegerField()
    train_loss = serializers.FloatField(allow_null=True)
    val_loss = serializers.FloatField(allow_null=True)
    val_dice = serializers.FloatField(allow_null=True)
    val_pcc = serializers.FloatField(
        allow_null=True, required=False, help_text="In-silico labelling: the stain's PCC."
    )


class TrainingFoldSerializer(RunTimesSerializer):
    index = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["cv", "final"])
    label = serializers.CharField()
    status = serializers.CharField()
    worker = serializers.CharField(allow_null=True)
    device = serializers.CharField(allow_null=True)
    epoch = serializers.IntegerField()
    epochs = serializers.IntegerField()
    batch = serializers.IntegerField()
    batches = serializers.IntegerField()
    eta_s = serializers.FloatField(allow_null=True)
    attempts = serializers.IntegerField()
    error = serializers.CharField(allow_null=True)
    message = serializers.CharField(allow_blank=True)
    train_sections = serializers.IntegerField()
    val_sections = serializers.IntegerField()
    specimens_train = serializers.ListField(child=serializers.CharField())
    specimens_val = serializers.ListField(child=serializers.CharField())
    metrics = serializers.JSONField(allow_null=True)
    model_version = serializers.IntegerField(allow_null=True)
    history = TrainingHistoryPointSerializer(many=True)


class TrainingJobSummarySerializer(JobSummarySerializer):
    arch = serializers.CharField(allow_null=True)
    arch_label = serializers.CharField(allow_blank=True)
    folds = serializers.IntegerField(allow_null=True)
    epochs = serializers.IntegerField(allow_null=True)
    input_size = serializers.IntegerField(allow_null=True)
    gt_source = serializers.CharField(allow_null=True)
    sections = serializers.IntegerField()
    estimate_s = serializers.FloatField(allow_null=True)
    dice = serializers.FloatField(allow_null=True)
    task = serializers.ChoiceField(choices=["segmentation", "isl"])
    pcc = serializers.FloatField(allow_null=True, help_text="In-silico labelling: mean PCC.")


class TrainingJobListSerializer(PageSerializer):
    results = TrainingJobSummarySerializer(many=True)


class TrainingJobDetailSerializer(JobRowSerializer, JobSnapshotSerializer):
    started_at = serializers.CharField(allow_null=True, help_text=STARTED_AT)
    arch = serializers.CharField(allow_null=True)
    arch_label = serializers.CharField(allow_blank=True)
    task = serializers.ChoiceField(choices=["segmentation", "isl"])
    config = serializers.JSONField()
    estimate_s = serializers.FloatField(allow_null=True)
    device_kind = serializers.CharField(allow_blank=True)
    code_version = serializers.CharField(allow_blank=True)
    snapshot = serializers.JSONField()
    sections = serializers.IntegerField()
    folds = TrainingFoldSerializer(many=True)
    summary = serializers.JSONField(
        allow_null=True,
        help_text='{"metrics": {"dice": {"mean", "std", "per_fold"}, "jaccard", "f05", "precision", "recall", "auc_pr"}, ...}',
    )


class TrainingCalibrationSerializer(serializers.Serializer):
    device_kind = serializers.CharField()
    speed_factor = serializers.FloatField(help_text="Real / benchmark seconds per epoch.")
    overhead_s = serializers.FloatField(help_text="Per fold, outside the epochs.")
    parallel = serializers.FloatField(help_text="Folds that ran at once.")
    folds = serializers.IntegerField(help_text="Finished folds measured; 0: the default.")
    source = serializers.CharField()


class TrainingEstimateSerializer(serializers.Serializer):
    estimate_s = serializers.FloatField(allow_null=True)
    device_kind = serializers.CharField(required=False)
    estimates = serializers.DictField(child=serializers.FloatField(), required=False)
    assumptions = serializers.CharField(required=False, help_text="What the estimate assumes.")
    calibration = TrainingCalibrationSerializer(required=False)
    long_run = serializers.CharField(
        required=False,
        allow_null=True,
        help_text="Why the launch form asks for confirmation (hours on CPU workers), or null.",
    )
    specimens = serializers.IntegerField(required=False)
    sections = serializers.IntegerField(required=False)
    target_class = serializers.CharField(
        required=False, allow_blank=True, help_text="The class a binary network learns."
    )
    classes = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="The classes a network of several classes learns, in output order.",
    )
    skipped_sections = serializers.IntegerField(
        required=False,
        help_text="Sections left out: their ground truth holds other classes but not the target.",
    )
    skipped_message = serializers.CharField(required=False, allow_blank=True)
    folds = serializers.JSONField(required=False)
    problem = serializers.CharField(allow_null=True)
    errors = serializers.DictField(child=serializers.CharField())


ERRORS = detail_errors(TrainingErrorSerializer, "Invalid configuration or request.")


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
