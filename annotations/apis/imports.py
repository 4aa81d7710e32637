"""REST endpoints of imports: upload a file, or the files of a folder, to import; follow a job."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers, status
from rest_framework.response import Response

from annotations.apis.import_fields import VolumeImportFields, dataset_field, voxel_size_field
from annotations.conflicts import CONFLICTS
from annotations.models import LABEL_FREE_MODALITIES, Modality, Role
from annotations.permissions import get_project
from annotations.selectors import imports as selectors
from annotations.serializers_section import PROJECT_SLUG
from annotations.services.imports import import_job_create, upload_size_check
from annotations.services.imports.batch import import_batch_create
from annotations.services.imports.pairing import DEFAULT_LABEL_FREE, DEFAULT_PATTERN, DEFAULT_STAIN
from cellweb.api import conflict_responses, parse
from cellweb.api.fields import name_text, optional_text
from cellweb.api.reads import ReadApi, read_schema
from cellweb.api.uploads import UploadApi, upload_schema
from cellweb.jobs.api import (
    FINISHED_AT,
    STARTED_AT,
    JobCancelSerializer,
    LiveSnapshotSerializer,
    job_api_views,
)
from cellweb.upload_guard import MULTIPART_SLACK_BYTES


class ImportJobSerializer(JobCancelSerializer, LiveSnapshotSerializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="queued, running, succeeded, failed or cancelled.")
    progress = serializers.FloatField(help_text="The share of the work done, 0 to 1.")
    message = serializers.CharField(
        allow_blank=True,
        help_text="The latest progress line; once it succeeded, the volumes and sections imported.",
    )
    error = serializers.CharField(allow_blank=True, help_text="Why it failed; empty otherwise.")
    result = serializers.JSONField(
        help_text="Once it succeeded: specimen_name, volumes_created, time_points_count, "
        "sections_count (label-free sections, as the project page counts them), "
        "stain_sections_count (the stain's fluorescence sections), specimen {id, name, lab}, volumes [{modality, channel, time_index, "
        "shape}], time_points, source_file, source_files, notes (what the import chose by "
        "itself, e.g. the channels it picked by their names in the file: information) and "
        "warnings (what may be wrong; once the specimen is deleted they no longer apply and "
        "one of the notes says so in their place); empty before."
    )
    original_name = serializers.CharField(help_text="The uploaded file's name.")
    project = serializers.CharField(help_text=PROJECT_SLUG)
    specimen_url = serializers.CharField(
        allow_null=True,
        help_text="The specimen's page once imported; null before, and once the specimen was "
        "deleted.",
    )
    specimen_deleted = serializers.BooleanField(
        help_text="It imported a specimen that was deleted since (with its volumes and sections)."
    )
    created_at = serializers.CharField(help_text="When it was queued (ISO 8601).")
    started_at = serializers.CharField(allow_null=True, help_text=STARTED_AT)
    finished_at = serializers.CharField(allow_null=True, help_text=FINISHED_AT)
    stale = serializers.BooleanField(
        help_text="Running, but its worker sent no heartbeat for longer than the heartbeat timeout."
    )


def time_point_field(source: str, help_text: str) -> serializers.IntegerField:
    """An optional time point of the import API's input, 0 to 100,000."""
    return serializers.IntegerField(
        min_value=0, max_value=100_000, required=False, source=source, help_text=help_text
    )


class ImportCreateSerializer(VolumeImportFields):
    file = serializers.FileField(allow_empty_file=False, use_url=False, source="upload")
    specimen = name_text(
        200, what="specimen", source="specimen_name", help_text="Specimen name; created when new."
    )
    modality = serializers.ChoiceField(choices=Modality.choices)
    channel = optional_text(32, help_text="Fluorescence channel, e.g. DAPI.")
    dataset = dataset_field()
    # Left out (or empty) for every time point; a form field cannot carry JSON's null.
    time = time_point_field(
        "time_index",
        "One frame: the time point to keep of a file of several, or to store a single stack at.",
    )
    first_time = time_point_field(
        "first_time_index",
        "Every frame: the time point of the specimen's series where the file's first time point "
        "goes, the others after it (a time-lapse saved in several files); not with time. A time "
        "point the specimen already has refuses the file (409 volume_exists).",
    )
    voxel_size = voxel_size_field("z,y,x in micrometres.")


class ImportCreateApi(UploadApi):
    def initial(self, request, *args, **kwargs):
        # Refuse an oversized upload from its announced length, before its body is received.
        try:
            announced = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            announced = 0
        if announced > settings.MAX_UPLOAD_MB * 1024 * 1024 + MULTIPART_SLACK_BYTES:
            upload_size_check(size_bytes=announced)
        super().initial(request, *args, **kwargs)

    @upload_schema(
        "projects_imports_create",
        ImportCreateSerializer,
        {
            202: ImportJobSerializer,
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
        values = parse(ImportCreateSerializer, request.data)
        job = import_job_create(project=project, user=request.user, **values)
        return Response(
            ImportJobSerializer(selectors.import_job_status(job=job)).data,
            status=status.HTTP_202_ACCEPTED,
        )


@read_schema("import_jobs_retrieve", ImportJobSerializer)
class ImportJobDetailApi(ReadApi):
    def read(self, request, job_id: int):
        job = selectors.import_job_get(user=request.user, job_id=job_id)
        return selectors.import_job_status(job=job)


# Cancelling an import (whoever may see it); the detail endpoint stays the one above.
_, ImportJobCancelApi = job_api_views(
    "import",
    output=ImportJobSerializer,
    operations=("import_jobs_detail", "import_jobs_cancel"),
    summaries=("An import job", "Cancel an import (a running one stops at its next step)"),
)


class ImportBatchCreateSerializer(VolumeImportFields):
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
        help_text="File name pattern with {specimen} and optionally {channel} and {time} (the "
        "frame number of a time-lapse saved one file per frame); * matches anything.",
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
    stain_name = optional_text(32, help_text="e.g. DAPI.")
    voxel_size = voxel_size_field("z,y,x in µm.")


# A field of the folder: the files the pattern paired under one specimen name.
class BatchFieldSerializer(serializers.Serializer):
    specimen = serializers.CharField(help_text="The specimen name read from the file names.")
    files = serializers.ListField(child=serializers.CharField(), help_text="Its files' names.")


class BatchQueuedSerializer(BatchFieldSerializer):
    job = ImportJobSerializer(help_text="Follow it at /api/import-jobs/<id>/.")


class BatchRefusedSerializer(BatchFieldSerializer):
    reason = serializers.CharField(help_text="Why it was not imported.")


class BatchSkippedSerializer(serializers.Serializer):
    file = serializers.CharField(help_text="The file's name.")
    reason = serializers.CharField(
        help_text="Why it was left out (e.g. its name does not match the pattern)."
    )


class ImportBatchSerializer(serializers.Serializer):
    queued = BatchQueuedSerializer(many=True, help_text="Fields imported, one job each.")
    refused = BatchRefusedSerializer(many=True, help_text="Fields refused before import.")
    skipped = BatchSkippedSerializer(many=True, help_text="Files left out of every field.")


class ImportBatchCreateApi(UploadApi):
    @upload_schema(
        "projects_imports_batch_create",
        ImportBatchCreateSerializer,
        {202: ImportBatchSerializer},
        too_large="The upload is over the upload limit.",
    )
    def post(self, request, slug: str):
        project = get_project(request.user, slug, Role.MANAGER)
        data = {**request.data.dict(), "files": request.FILES.getlist("files")}
        values = parse(ImportBatchCreateSerializer, data)
        batch = import_batch_create(project=project, user=request.user, **values)
        return Response(
            ImportBatchSerializer(selectors.import_batch_report(batch)).data,
            status=status.HTTP_202_ACCEPTED,
        )
