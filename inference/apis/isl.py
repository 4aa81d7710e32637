"""``POST /api/projects/<slug>/isl-jobs/``: launch an in-silico-labelling job (managers)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from annotations.models import LABEL_FREE_MODALITIES, Role
from annotations.permissions import get_project
from cellweb.jobs.api import job_launched_response
from inference.apis.training import ERRORS, TrainingErrorSerializer, TrainingJobDetailSerializer
from inference.ml.nets import MODEL_NAMES
from inference.services import training as training_services
from inference.services.isl import IslOptions, isl_job_launch


class IslInput(serializers.Serializer):
    arch = serializers.ChoiceField(choices=list(MODEL_NAMES), default="osnet")
    folds = serializers.IntegerField(default=4, min_value=2, max_value=training_services.MAX_FOLDS)
    epochs = serializers.IntegerField(
        default=100, min_value=1, max_value=training_services.MAX_EPOCHS
    )
    batch_size = serializers.IntegerField(
        default=16, min_value=1, max_value=training_services.MAX_BATCH
    )
    lr = serializers.FloatField(default=5e-4, min_value=1e-12, max_value=1.0)
    input_size = serializers.IntegerField(
        default=448,
        min_value=training_services.MIN_INPUT,
        max_value=training_services.MAX_INPUT,
        help_text="A multiple of 16.",
    )
    # The networks halve the input four times (a DRF integer field cannot say multipleOf).
    schema_rules = {"allOf": [{"properties": {"input_size": {"multipleOf": 16}}}]}
    seed = serializers.IntegerField(default=0, min_value=0, max_value=training_services.MAX_SEED)
    specimen_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62),
        default=list,
        max_length=10_000,
    )
    modalities = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(str(m) for m in LABEL_FREE_MODALITIES)),
        default=list,
        max_length=10,
    )
    final_model = serializers.BooleanField(default=False)


class ProjectIslJobsApi(APIView):
    @extend_schema(
        operation_id="isl_jobs_launch",
        summary="Launch an in-silico-labelling job (managers)",
        description=(
            "Trains the network to predict the stain of every label-free/fluorescence pair of "
            "the project (or of `specimen_ids`), L1 loss, folds grouped by specimen; each fold "
            "is scored by the PCC of its held-out sections. Follow it like a training job "
            "(`/api/training-jobs/<id>/`, `/ws/jobs/training/<id>/`)."
        ),
        request=IslInput,
        responses={
            201: TrainingJobDetailSerializer,
            409: OpenApiResponse(
                TrainingErrorSerializer, description="The project has no paired fluorescence."
            ),
            **ERRORS,
        },
    )
    def post(self, request, slug: str):
        project = get_project(request.user, slug, Role.MANAGER)
        body = IslInput(data=request.data)
        body.is_valid(raise_exception=True)
        job = isl_job_launch(
            project=project, user=request.user, options=IslOptions(**body.validated_data)
        )
        return job_launched_response("training", job, TrainingJobDetailSerializer)
