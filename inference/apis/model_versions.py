"""REST endpoints of model versions: list, compare, read, download, activate, export them as
bioimage.io packages and import packages or state dicts."""

from __future__ import annotations

from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.permissions import get_project
from cellweb.api import BinaryApi, binary_answer
from cellweb.api.pagination import PageSerializer
from cellweb.api.reads import ReadApi
from inference.apis.training_output import (
    ARCH_LABEL,
    ERRORS,
    INPUT_SIZE,
    TrainingErrorSerializer,
)
from inference.apis.views import ProjectListApi, inference_read, list_schema
from inference.selectors import training as selectors
from inference.services.model_exchange import model_version_export_file
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


# A model version: where its weights came from, what it was trained on and how it scored.
VERSION_PCC = (
    "In-silico labelling (task isl): the predicted stain's Pearson correlation with the real one, "
    "the mean over its fold's held-out sections; null otherwise and without held-out sections."
)
KIND = "fold: a cross-validation fold's model; final: trained on all the data; imported."
JOB = "The training job that produced it; null when imported (or that job was deleted)."
FOLD = "The index (0 first) of the job's fold that produced it; null when imported."
CREATED_BY = (
    "Who launched its training or imported it (username); null when no user did or that user was "
    "deleted."
)
IS_ACTIVE = "Used for prediction in its project (one version at most per project)."
CODE_VERSION = "The code version that trained it; blank when imported."
SNAPSHOT = (
    "The ground-truth snapshot it was trained on; null when imported and for in-silico labelling."
)
GT_SOURCE = (
    "The ground-truth source it was trained on (its snapshot's, else its configuration's); null "
    "when neither says."
)
EPOCHS = "Epochs it was trained for; null when its configuration does not say."
TRAIN_SPECIMENS = "Names of the specimens it was trained on."
VAL_SPECIMENS = "Names of the specimens it was held out from and scored on."
METRICS = (
    "Its fold's scores on the held-out sections at threshold 0.5 (the training job's fold "
    "metrics); a final model has none of its own and gives cross_validation, the mean over its "
    "job's folds of those pooled values; empty when imported."
)

UNVERIFIED = (
    "Why an imported version is unverified: its bioimage.io package names no test tensors (format "
    "0.5 allows it; 0.4 packages without them are refused) or its test input is too large to run "
    "on import, so the import could not check that the package reproduces its own output. Null "
    "otherwise."
)
VERIFIED = (
    "An imported package whose test input, run through the network on import, reproduced its "
    "test output: the largest absolute difference over the output's values and the tolerance "
    "(origin.verified holds the numbers). Null otherwise."
)


class ModelVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The model version's id.")
    name = serializers.CharField()
    kind = serializers.CharField(help_text=KIND)
    task = serializers.ChoiceField(choices=["segmentation", "isl"])
    pcc = serializers.FloatField(allow_null=True, help_text=VERSION_PCC)
    arch = serializers.CharField(help_text="The network's name.")
    arch_label = serializers.CharField(allow_blank=True, help_text=ARCH_LABEL)
    job = serializers.IntegerField(allow_null=True, help_text=JOB)
    fold = serializers.IntegerField(allow_null=True, help_text=FOLD)
    created_at = serializers.CharField(help_text="When it was stored (ISO 8601).")
    created_by = serializers.CharField(allow_null=True, help_text=CREATED_BY)
    is_active = serializers.BooleanField(help_text=IS_ACTIVE)
    code_version = serializers.CharField(allow_blank=True, help_text=CODE_VERSION)
    snapshot = serializers.IntegerField(allow_null=True, help_text=SNAPSHOT)
    gt_source = serializers.CharField(allow_null=True, help_text=GT_SOURCE)
    input_size = serializers.IntegerField(allow_null=True, help_text=INPUT_SIZE)
    epochs = serializers.IntegerField(allow_null=True, help_text=EPOCHS)
    config = serializers.JSONField(help_text="The configuration it was trained or imported with.")
    train_specimens = serializers.ListField(
        child=serializers.CharField(allow_null=True), help_text=TRAIN_SPECIMENS
    )
    val_specimens = serializers.ListField(
        child=serializers.CharField(allow_null=True), help_text=VAL_SPECIMENS
    )
    metrics = serializers.JSONField(help_text=METRICS)
    download_url = serializers.CharField(help_text="Its weights (PyTorch file).")
    provenance = serializers.CharField(help_text="trained, fine_tuned or imported.")
    parent = serializers.IntegerField(
        allow_null=True, help_text="The version fine-tuning started from."
    )
    origin = serializers.JSONField(help_text="An imported version's file, format and package.")
    unverified = serializers.CharField(allow_null=True, help_text=UNVERIFIED)
    verified = serializers.CharField(allow_null=True, help_text=VERIFIED)
    bioimageio_url = serializers.CharField(help_text="Export as a bioimage.io package (.zip).")


class ModelVersionListSerializer(PageSerializer):
    results = ModelVersionSerializer(many=True)


# Versions side by side: one row per metric or setting, one value per version.
VALUES = "One value per version, in the order of versions; null where a version has none."
BEST = (
    "A metric's highest value among the versions; null when none has one. Not given for settings."
)
METRIC_ROWS = (
    "dice, jaccard, f05, precision, recall and auc_pr: each version's own held-out score (its "
    "fold's pixels pooled), else its job's cross-validation mean (a final model)."
)
SETTING_ROWS = (
    "Network, kind, input size, epochs, batch size, learning rate, loss, ground truth, held-out "
    "specimens and code version."
)


class ModelCompareRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The metric's or setting's key.")
    label = serializers.CharField(help_text="Its name in words.")
    values = serializers.ListField(child=serializers.JSONField(allow_null=True), help_text=VALUES)
    best = serializers.FloatField(allow_null=True, required=False, help_text=BEST)


class ModelCompareSerializer(serializers.Serializer):
    versions = ModelVersionSerializer(many=True, help_text="In the order of ids.")
    metrics = ModelCompareRowSerializer(many=True, help_text=METRIC_ROWS)
    settings = ModelCompareRowSerializer(many=True, help_text=SETTING_ROWS)


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


@inference_read(
    "model_versions_compare",
    ModelCompareSerializer,
    summary="Compare model versions side by side",
    parameters=[ModelCompareQuery],
    errors=ERRORS,
)
class ModelVersionCompareApi(ReadApi):
    def read(self, request, slug: str):
        project = get_project(request.user, slug)
        query = ModelCompareQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.model_version_compare(project=project, ids=query.id_list())


@inference_read(
    "model_version_get",
    ModelVersionSerializer,
    summary="A model version with its provenance and metrics",
    errors=ERRORS,
)
class ModelVersionDetailApi(ReadApi):
    def read(self, request, version_id: int):
        version = selectors.model_version_get(user=request.user, version_id=version_id)
        return selectors.model_version_public(version)


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
