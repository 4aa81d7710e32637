"""``POST /api/projects/<slug>/isl-jobs/``: launch an in-silico-labelling job (managers)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from inference.apis.training_input import FoldTrainingInput
from inference.apis.training_output import (
    ERRORS,
    TrainingErrorSerializer,
    TrainingJobDetailSerializer,
)
from inference.apis.views import ProjectJobLaunchApi, launch_schema
from inference.ml.nets import MODEL_NAMES
from inference.services import training as training_services
from inference.services.isl import IslOptions, isl_job_launch


class IslInput(FoldTrainingInput):
    arch = serializers.ChoiceField(choices=list(MODEL_NAMES), default="osnet")
    epochs = serializers.IntegerField(
        default=100, min_value=1, max_value=training_services.MAX_EPOCHS
    )
    batch_size = serializers.IntegerField(
        default=16, min_value=1, max_value=training_services.MAX_BATCH
    )


@launch_schema(
    operation_id="isl_jobs_launch",
    summary="Launch an in-silico-labelling job (managers)",
    description=(
        "Trains the network to predict the stain of every label-free/fluorescence pair of "
        "the project (or of `specimen_ids`), L1 loss, folds grouped by specimen; each fold "
        "is scored by the PCC of its held-out sections. Follow it like a training job "
        "(`/api/training-jobs/<id>/`, `/ws/jobs/training/<id>/`)."
    ),
    errors=ERRORS,
    refusals={
        409: OpenApiResponse(
            TrainingErrorSerializer, description="The project has no paired fluorescence."
        )
    },
)
class ProjectIslJobsApi(ProjectJobLaunchApi):
    kind = "training"
    input = IslInput
    output = TrainingJobDetailSerializer

    def launch(self, project, user, body):
        options = IslOptions(**body.validated_data)
        return isl_job_launch(project=project, user=user, options=options)
