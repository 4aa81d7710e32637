"""REST endpoints of model import: upload a bioimage.io package or a state dict (managers; a job
runs its test input and stores the version), read the job, cancel it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from annotations.models import Role
from annotations.permissions import get_project
from cellweb.api import parse
from cellweb.api.uploads import UploadApi, upload_schema
from cellweb.jobs.api import JobRowSerializer, JobSnapshotSerializer
from inference.apis.errors import ERRORS
from inference.apis.views import inference_job_views
from inference.ml.nets import MODEL_NAMES
from inference.selectors.model_import import model_import_snapshot
from inference.services.model_exchange import model_import_launch


class ModelImportInput(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=False,
        use_url=False,
        help_text="A bioimage.io package (.zip) or a PyTorch state dict (.pt).",
    )
    arch = serializers.ChoiceField(
        choices=MODEL_NAMES,
        required=False,
        allow_blank=True,
        default="",
        help_text="The network of a state dict that does not say; must agree with a file that does.",
    )
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class ModelImportSerializer(JobRowSerializer, JobSnapshotSerializer):
    url = serializers.CharField(help_text="The import's page, which follows it live.")
    original_name = serializers.CharField(help_text="The uploaded file's name.")
    arch = serializers.CharField(
        allow_null=True, help_text="The network given with the upload; null: the file's own."
    )
    name = serializers.CharField(allow_blank=True, help_text="The name given; may be blank.")
    model_version = serializers.IntegerField(
        allow_null=True, help_text="The version it stored; null until it has succeeded."
    )
    version_url = serializers.CharField(
        allow_null=True, help_text="The stored version's row on the models page; null before."
    )
    result = serializers.JSONField(
        help_text="Once it has succeeded (empty before): model_version, name, verified (how "
        "the package's test output was reproduced from its test input, in words: the largest "
        "absolute difference over its values and how many are beyond the tolerance; null when "
        "it was not run) and unverified (why it could not be checked; null otherwise). A "
        "refused file ends the job failed with the reason in error, nothing stored."
    )


class ProjectModelImportApi(UploadApi):
    @extend_schema(
        summary="Import a bioimage.io package or a PyTorch state dict (managers; a job)",
        description="The file is checked at once (size, zip, description, weights: 400 with "
        "the reason, nothing kept) and staged; a job then runs a package's test input through "
        "the network and stores the version (202 with the job; follow it at "
        "`/api/model-imports/<id>/` or `/ws/jobs/model_import/<id>/`).",
    )
    @upload_schema(
        "model_versions_import",
        ModelImportInput,
        {202: ModelImportSerializer, **ERRORS},
        too_large="The file is over the upload limit or over 1 GiB, the largest model file.",
    )
    def post(self, request, slug: str):
        project = get_project(request.user, slug, Role.MANAGER)
        body = parse(ModelImportInput, request.data)
        job = model_import_launch(
            project=project,
            user=request.user,
            upload=body["file"],
            arch=body["arch"] or None,
            name=body["name"],
        )
        answer = ModelImportSerializer(model_import_snapshot(job)).data
        return Response(answer, status=status.HTTP_202_ACCEPTED)


ModelImportDetailApi, ModelImportCancelApi = inference_job_views(
    "model_import",
    output=ModelImportSerializer,
    summaries=(
        "A model import: status, progress and the version it stored, or why it was refused",
        "Cancel a model import (nothing is stored)",
    ),
)
