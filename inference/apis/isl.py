"""``POST /api/projects/<slug>/isl-jobs/``: launch an in-silico-labelling job (managers)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from annotations.models import LABEL_FREE_MODALITIES
from inference.apis.training import ERRORS, TrainingErrorSerializer, TrainingJobDetailSerializer
from inference.apis.views import ProjectJobLaunchApi, launch_schema
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
