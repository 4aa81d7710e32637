"""REST endpoints of imports: upload a file, or the files of a folder, to import; follow a job."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.conflicts import CONFLICTS
from annotations.models import LABEL_FREE_MODALITIES, Modality, Role
from annotations.permissions import get_project
from annotations.selectors import imports as selectors
from annotations.services.imports import import_job_create, parse_voxel_size, upload_size_check
from annotations.services.imports.batch import import_batch_create
from annotations.services.imports.channels import parse_channel_names
from annotations.services.imports.checks import VOXEL_SIZE_PATTERN
from annotations.services.imports.pairing import DEFAULT_LABEL_FREE, DEFAULT_PATTERN, DEFAULT_STAIN
from cellweb.api import ErrorSerializer as DataDetailSerializer
from cellweb.api import conflict_responses, parse
from cellweb.api import error_responses as _errors
from cellweb.upload_guard import MULTIPART_SLACK_BYTES

VOXEL_SIZE_VALIDATOR = RegexValidator(
    VOXEL_SIZE_PATTERN,
    "The voxel size must be two or three numbers above 0 and below 1000 in micrometres, "
    "z,y,x (e.g. 0.195,0.098,0.098), or empty.",
)


def lab_field() -> serializers.CharField:
    return serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


def voxel_size_field(help_text: str) -> serializers.CharField:
    """Optional text "z,y,x" checked by ``VOXEL_SIZE_VALIDATOR``."""
    return serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        validators=[VOXEL_SIZE_VALIDATOR],
        help_text=help_text,
    )


def channels_field() -> serializers.CharField:
    """The names of a multi-channel label-free image's channels (docs/channels.md)."""
    return serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text="Channel names of a multi-channel label-free image, e.g. bf,phase.",
    )


def channel_axis_field() -> serializers.IntegerField:
    """The stored array's axis that holds the label-free channels (docs/channels.md)."""
    return serializers.IntegerField(
        min_value=0,
        max_value=3,
        required=False,
        help_text="The stored array's axis that holds the label-free channels "
        "(0 for (c, y, x), 1 for (z, c, y, x)).",
    )


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    progress = serializers.FloatField()
    message = serializers.CharField(allow_blank=True)
    error = serializers.CharField(allow_blank=True)
    result = serializers.JSONField()
    original_name = serializers.CharField()
    project = serializers.CharField()
    specimen_url = serializers.CharField(allow_null=True)
    created_at = serializers.CharField()
    started_at = serializers.CharField(allow_null=True)
    finished_at = serializers.CharField(allow_null=True)
    stale = serializers.BooleanField()
    seq = serializers.IntegerField(
        help_text="The latest event number; live events with a smaller seq are older."
    )


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False, use_url=False)
    specimen = serializers.CharField(max_length=200, help_text="Specimen name; created when new.")
    modality = serializers.ChoiceField(choices=Modality.choices)
    channel = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text="Fluorescence channel, e.g. DAPI.",
    )
    dataset = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Dataset path inside an HDF5 file.",
    )
    # Left out (or empty) for every time point; a form field cannot carry JSON's null.
    time = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    lab = lab_field()
    voxel_size = voxel_size_field("z,y,x in micrometres.")
    channels = channels_field()
    channel_axis = channel_axis_field()


class ImportCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        # Refuse an oversized upload from its announced length, before its body is received.
        try:
            announced = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            announced = 0
        if announced > settings.MAX_UPLOAD_MB * 1024 * 1024 + MULTIPART_SLACK_BYTES:
            upload_size_check(size_bytes=announced)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="projects_imports_create",
        request={"multipart/form-data": ImportCreateSerializer},
        responses={
            202: ImportJobSerializer,
            413: OpenApiResponse(
                DataDetailSerializer, description="The file is over the upload limit."
            ),
            **_errors(400, 403, 404),
            **conflict_responses(
                CONFLICTS,
                "volume_exists",
                "partner_shape_mismatch",
                "channels_differ",
                "already_imported",
                "import_in_progress",
            ),
        },
    )
    def post(self, request, slug: str):
        project = get_project(request.user, slug, Role.MANAGER)
        data = ImportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        job = import_job_create(
            project=project,
            user=request.user,
            upload=values["file"],
            specimen_name=values["specimen"],
            modality=values["modality"],
            channel=values.get("channel", ""),
            dataset=values.get("dataset", ""),
            time_index=values.get("time"),
            lab=values.get("lab", ""),
            voxel_size=parse_voxel_size(values.get("voxel_size", "")),
            channel_axis=values.get("channel_axis"),
            channel_names=parse_channel_names(values.get("channels", "")),
        )
        return Response(
            ImportJobSerializer(selectors.import_job_status(job=job)).data,
            status=status.HTTP_202_ACCEPTED,
        )


class ImportJobDetailApi(APIView):
    @extend_schema(
        operation_id="import_jobs_retrieve",
        responses={200: ImportJobSerializer, **_errors(403, 404)},
    )
    def get(self, request, job_id: int):
        job = selectors.import_job_get(user=request.user, job_id=job_id)
        return Response(ImportJobSerializer(selectors.import_job_status(job=job)).data)


class ImportBatchCreateSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False, use_url=False),
        allow_empty=False,
        max_length=settings.DATA_UPLOAD_MAX_NUMBER_FILES or 1000,
        help_text="All files of the folder (send the field once per file).",
    )
    pattern = serializers.CharField(
        max_length=200,
        required=False,
        default=DEFAULT_PATTERN,
        help_text="File name pattern with {specimen} and optionally {channel}; * matches anything.",
    )
    label_free = serializers.CharField(
        max_length=32, required=False, default=DEFAULT_LABEL_FREE, help_text="{channel} value."
    )
    stain = serializers.CharField(
        max_length=32, required=False, default=DEFAULT_STAIN, help_text="{channel} value."
    )
    modality = serializers.ChoiceField(
        choices=sorted(LABEL_FREE_MODALITIES), required=False, default=Modality.RI
    )
    stain_name = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default="", help_text="e.g. DAPI."
    )
    lab = lab_field()
    voxel_size = voxel_size_field("z,y,x in µm.")
    channels = channels_field()
    channel_axis = channel_axis_field()


class BatchFieldSerializer(serializers.Serializer):
    specimen = serializers.CharField()
    files = serializers.ListField(child=serializers.CharField())


class BatchQueuedSerializer(BatchFieldSerializer):
    job = ImportJobSerializer(help_text="Follow it at /api/import-jobs/<id>/.")


class BatchRefusedSerializer(BatchFieldSerializer):
    reason = serializers.CharField()


class BatchSkippedSerializer(serializers.Serializer):
    file = serializers.CharField()
    reason = serializers.CharField()


class ImportBatchSerializer(serializers.Serializer):
    queued = BatchQueuedSerializer(many=True)
    refused = BatchRefusedSerializer(many=True)
    skipped = BatchSkippedSerializer(many=True)


class ImportBatchCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="projects_imports_batch_create",
        request={"multipart/form-data": ImportBatchCreateSerializer},
        responses={
            202: ImportBatchSerializer,
            413: OpenApiResponse(
                DataDetailSerializer, description="The upload is over the upload limit."
            ),
            **_errors(400, 403, 404),
        },
    )
    def post(self, request, slug: str):
        project = get_project(request.user, slug, Role.MANAGER)
        data = {**request.data.dict(), "files": request.FILES.getlist("files")}
        values = parse(ImportBatchCreateSerializer, data, flat=True)
        voxel_size = parse_voxel_size(values.pop("voxel_size"))
        channel_names = parse_channel_names(values.pop("channels", ""))
        batch = import_batch_create(
            project=project,
            user=request.user,
            voxel_size=voxel_size,
            channel_names=channel_names,
            **values,
        )
        return Response(
            ImportBatchSerializer(selectors.import_batch_report(batch)).data,
            status=status.HTTP_202_ACCEPTED,
        )
