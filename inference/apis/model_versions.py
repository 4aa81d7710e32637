"""REST endpoints of model versions: list, compare, read, download, activate, export them as
bioimage.io packages and import packages or state dicts."""

from __future__ import annotations

from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.models import Role
from annotations.permissions import get_project
from cellweb.api import BinaryApi, binary_answer, parse
from cellweb.api.pagination import PageSerializer
from cellweb.api.uploads import UploadApi
from inference.apis.training import ERRORS, TrainingErrorSerializer
from inference.apis.views import ProjectListApi, list_schema
from inference.ml.nets import MODEL_NAMES
from inference.selectors import training as selectors
from inference.services.model_exchange import model_version_export_file, model_version_import_upload
from inference.services.model_versions import model_version_activate


class ModelCompareQuery(serializers.Serializer):
    ids = serializers.RegexField(
        r"^\s*\d{1,18}\s*(,\s*\d{1,18}\s*){1,19}$",
        max_length=400,
        help_text="2 to 20 model version ids separated by commas, e.g. 3,5,8.",
        error_messages={
            "invalid": "Give 2 to 20 model version ids separated by commas, e.g. ids=3,5."
        },
    )

    def id_list(self) -> list[int]:
        ids = [int(part) for part in self.validated_data["ids"].split(",")]
        return list(dict.fromkeys(ids))


class ModelVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    arch = serializers.CharField()
    arch_label = serializers.CharField(allow_blank=True)
    job = serializers.IntegerField(allow_null=True)
    fold = serializers.IntegerField(allow_null=True)
    created_at = serializers.CharField()
    created_by = serializers.CharField(allow_null=True)
    is_active = serializers.BooleanField()
    code_version = serializers.CharField(allow_blank=True)
    snapshot = serializers.IntegerField(allow_null=True)
    gt_source = serializers.CharField(allow_null=True)
    input_size = serializers.IntegerField(allow_null=True)
    epochs = serializers.IntegerField(allow_null=True)
    config = serializers.JSONField()
    train_specimens = serializers.ListField(child=serializers.CharField(allow_null=True))
    val_specimens = serializers.ListField(child=serializers.CharField(allow_null=True))
    metrics = serializers.JSONField()
    download_url = serializers.CharField()
    provenance = serializers.CharField(help_text="trained, fine_tuned or imported.")
    parent = serializers.IntegerField(
        allow_null=True, help_text="The version fine-tuning started from."
    )
    origin = serializers.JSONField(help_text="An imported version's file, format and package.")
    bioimageio_url = serializers.CharField(help_text="Export as a bioimage.io package (.zip).")


class ModelVersionListSerializer(PageSerializer):
    results = ModelVersionSerializer(many=True)


class ModelCompareRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    values = serializers.ListField(child=serializers.JSONField(allow_null=True))
    best = serializers.FloatField(allow_null=True, required=False)


class ModelCompareSerializer(serializers.Serializer):
    versions = ModelVersionSerializer(many=True)
    metrics = ModelCompareRowSerializer(many=True)
    settings = ModelCompareRowSerializer(many=True)


def version_answer(version, code: int = status.HTTP_200_OK) -> Response:
    """A model version's ``ModelVersionSerializer`` answer (``code``: its HTTP status)."""
    return Response(ModelVersionSerializer(selectors.model_version_public(version)).data, code)


def version_file(version, handle, extension: str, content_type: str) -> FileResponse:
    """A download of ``handle``, named after the version's project, id and network."""
    filename = f"{version.project.slug}-model-{version.pk}-{version.arch}.{extension}"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


# ---------------------------------------------------------------------------------------------
# Model versions


@list_schema(
    operation_id="model_versions_list",
    summary="Model versions of a project, newest first",
    errors=ERRORS,
)
class ProjectModelVersionsApi(ProjectListApi):
    page_output = ModelVersionListSerializer

    def items(self, project):
        return list(selectors.model_versions_for_project(project)[:5000])

    def row(self, version):
        return selectors.model_version_public(version)


class ModelVersionCompareApi(APIView):
    @extend_schema(
        operation_id="model_versions_compare",
        summary="Compare model versions side by side",
        parameters=[ModelCompareQuery],
        responses={200: ModelCompareSerializer, **ERRORS},
    )
    def get(self, request, slug: str):
        project = get_project(request.user, slug)
        query = ModelCompareQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = selectors.model_version_compare(project=project, ids=query.id_list())
        return Response(ModelCompareSerializer(result).data)


class ModelVersionDetailApi(APIView):
    @extend_schema(
        operation_id="model_version_get",
        summary="A model version with its provenance and metrics",
        responses={200: ModelVersionSerializer, **ERRORS},
    )
    def get(self, request, version_id: int):
        version = selectors.model_version_get(user=request.user, version_id=version_id)
        return version_answer(version)


class ModelVersionDownloadApi(BinaryApi):
    @extend_schema(
        operation_id="model_version_download",
        summary="Download the weights (PyTorch file; load with torch.load(weights_only=True))",
        responses={**binary_answer("application/octet-stream"), **ERRORS},
    )
    def get(self, request, version_id: int):
        version = selectors.model_version_get(user=request.user, version_id=version_id)
        try:
            handle = version.weights.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404("The weights file of this version is missing.") from None
        return version_file(version, handle, "pt", "application/octet-stream")


class ModelVersionActivateApi(APIView):
    @extend_schema(
        operation_id="model_version_activate",
        summary="Use this version for prediction in its project (managers)",
        request=None,
        responses={
            200: ModelVersionSerializer,
            409: OpenApiResponse(TrainingErrorSerializer),
            **ERRORS,
        },
    )
    def post(self, request, version_id: int):
        version = selectors.model_version_get(user=request.user, version_id=version_id)
        version = model_version_activate(version=version, user=request.user)
        return version_answer(version)


class ModelImportSerializer(serializers.Serializer):
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


class ModelVersionBioimageioApi(BinaryApi):
    @extend_schema(
        operation_id="model_version_bioimageio",
        summary="Export as a BioImage Model Zoo package (bioimage.io zip, validated)",
        responses={**binary_answer("application/zip"), **ERRORS},
    )
    def get(self, request, version_id: int):
        version = selectors.model_version_get(user=request.user, version_id=version_id)
        handle = model_version_export_file(version=version, user=request.user)
        return version_file(version, handle, "bioimageio.zip", "application/zip")


class ProjectModelImportApi(UploadApi):
    @extend_schema(
        operation_id="model_versions_import",
        summary="Import a bioimage.io package or a PyTorch state dict (managers)",
        request={"multipart/form-data": ModelImportSerializer},
        responses={
            201: ModelVersionSerializer,
            413: OpenApiResponse(TrainingErrorSerializer, description="The file is too large."),
            **ERRORS,
        },
    )
    def post(self, request, slug: str):
        project = get_project(request.user, slug, Role.MANAGER)
        body = parse(ModelImportSerializer, request.data)
        version = model_version_import_upload(
            project=project,
            user=request.user,
            upload=body["file"],
            arch=body["arch"] or None,
            name=body["name"],
        )
        return version_answer(version, status.HTTP_201_CREATED)
