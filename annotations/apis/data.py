"""REST endpoints for data: projects, specimens, volumes, sections, rendered images and imports."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.imaging.render import TINTS
from annotations.models import ConsensusMethod, Modality, Role
from annotations.permissions import get_project, get_section, get_specimen, get_volume
from annotations.selectors import data as selectors
from annotations.selectors import section_images
from annotations.services.projects import project_settings_update


class DataDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


ERRORS = {
    400: OpenApiResponse(
        DataDetailSerializer, description="Invalid input; `detail` says what to change."
    ),
    403: OpenApiResponse(DataDetailSerializer, description="A member without the needed role."),
    404: OpenApiResponse(
        DataDetailSerializer, description="No such object, or not a member of its project."
    ),
}


def _errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in codes}


# --------------------------------------------------------------------------- serializers


class ProjectSettingsSerializer(serializers.Serializer):
    required_annotations = serializers.IntegerField(min_value=1, max_value=20)
    consensus_method = serializers.ChoiceField(choices=ConsensusMethod.choices)
    allow_fluorescence_reference = serializers.BooleanField()
    allow_self_review = serializers.BooleanField()


class ProjectSettingsPatchSerializer(serializers.Serializer):
    required_annotations = serializers.IntegerField(min_value=1, max_value=20, required=False)
    consensus_method = serializers.ChoiceField(choices=ConsensusMethod.choices, required=False)
    allow_fluorescence_reference = serializers.BooleanField(required=False)
    allow_self_review = serializers.BooleanField(required=False)

    def validate(self, attrs):
        unknown = (
            set(self.initial_data) - set(self.fields)
            if hasattr(self.initial_data, "keys")
            else set()
        )
        if unknown:
            raise serializers.ValidationError(
                {name: ["This is not a project setting."] for name in sorted(unknown)}
            )
        return attrs


class ProjectSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))
    specimen_count = serializers.IntegerField()
    section_count = serializers.IntegerField()
    url = serializers.CharField()


class LinkSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    url = serializers.CharField()


class ProjectDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))
    settings = ProjectSettingsSerializer()
    specimen_count = serializers.IntegerField()
    section_count = serializers.IntegerField()
    links = LinkSerializer(many=True)


class SpecimenRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    lab = serializers.CharField(allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField())
    modalities = serializers.ListField(child=serializers.CharField())
    time_points = serializers.ListField(child=serializers.IntegerField())
    volume_count = serializers.IntegerField()
    section_count = serializers.IntegerField()
    shape = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    thumbnail_url = serializers.CharField(allow_null=True)
    url = serializers.CharField()


class SpecimenQuerySerializer(serializers.Serializer):
    lab = serializers.CharField(required=False, allow_blank=True, max_length=100)
    tag = serializers.CharField(required=False, allow_blank=True, max_length=64)
    search = serializers.CharField(required=False, allow_blank=True, max_length=200)


class SectionRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    z = serializers.IntegerField()
    status = serializers.CharField()
    fluorescence_id = serializers.IntegerField(allow_null=True)
    image_url = serializers.CharField()
    fluorescence_url = serializers.CharField(allow_null=True)


class VolumeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    specimen_id = serializers.IntegerField()
    modality = serializers.ChoiceField(choices=Modality.choices)
    channel = serializers.CharField(allow_blank=True)
    time_index = serializers.IntegerField()
    shape = serializers.ListField(child=serializers.IntegerField())
    voxel_size = serializers.ListField(child=serializers.FloatField(), allow_null=True)
    units = serializers.CharField()
    stats = serializers.DictField(child=serializers.FloatField())
    is_label_free = serializers.BooleanField()
    paired_with = serializers.IntegerField(allow_null=True)
    created_at = serializers.CharField()
    sections = SectionRowSerializer(many=True)


class VolumeDetailSerializer(VolumeSerializer):
    specimen_name = serializers.CharField()


class TimePointSerializer(serializers.Serializer):
    time_index = serializers.IntegerField()
    volumes = VolumeSerializer(many=True)


class SpecimenDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    lab = serializers.CharField(allow_blank=True)
    notes = serializers.CharField(allow_blank=True)
    project = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    time_points = TimePointSerializer(many=True)


class FluorescencePartnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.CharField(allow_blank=True)
    volume_id = serializers.IntegerField()
    stats = serializers.DictField(child=serializers.FloatField())
    image_url = serializers.CharField()


class SectionDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    z = serializers.IntegerField()
    shape = serializers.ListField(child=serializers.IntegerField())
    volume_id = serializers.IntegerField()
    specimen_id = serializers.IntegerField()
    specimen_name = serializers.CharField()
    project = serializers.CharField()
    modality = serializers.ChoiceField(choices=Modality.choices)
    channel = serializers.CharField(allow_blank=True)
    time_index = serializers.IntegerField()
    size_z = serializers.IntegerField()
    units = serializers.CharField()
    stats = serializers.DictField(child=serializers.FloatField())
    status = serializers.CharField()
    is_label_free = serializers.BooleanField()
    fluorescence = FluorescencePartnerSerializer(allow_null=True)
    label_free_partner = serializers.IntegerField(allow_null=True)
    prev_id = serializers.IntegerField(allow_null=True)
    next_id = serializers.IntegerField(allow_null=True)
    image_url = serializers.CharField()


# --------------------------------------------------------------------------- views


class ProjectListApi(APIView):
    @extend_schema(
        operation_id="projects_list", responses={200: ProjectSummarySerializer(many=True)}
    )
    def get(self, request):
        return Response(
            ProjectSummarySerializer(selectors.project_list(user=request.user), many=True).data
        )


class ProjectDetailApi(APIView):
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        operation_id="projects_retrieve", responses={200: ProjectDetailSerializer, **_errors(404)}
    )
    def get(self, request, slug: str):
        project = get_project(request.user, slug)
        return Response(
            ProjectDetailSerializer(
                selectors.project_detail(user=request.user, project=project)
            ).data
        )

    @extend_schema(
        operation_id="projects_settings_update",
        request=ProjectSettingsPatchSerializer,
        responses={200: ProjectDetailSerializer, **_errors(400, 403, 404)},
    )
    def patch(self, request, slug: str):
        project = get_project(request.user, slug, Role.MANAGER)
        data = ProjectSettingsPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = project_settings_update(project=project, **data.validated_data)
        return Response(
            ProjectDetailSerializer(
                selectors.project_detail(user=request.user, project=project)
            ).data
        )


class SpecimenListApi(APIView):
    @extend_schema(
        operation_id="projects_specimens_list",
        parameters=[SpecimenQuerySerializer],
        responses={200: SpecimenRowSerializer(many=True), **_errors(400, 404)},
    )
    def get(self, request, slug: str):
        project = get_project(request.user, slug)
        query = SpecimenQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.specimen_list(
            project=project,
            lab=query.validated_data.get("lab") or None,
            tag=query.validated_data.get("tag") or None,
            search=query.validated_data.get("search") or None,
        )
        return Response(SpecimenRowSerializer(rows, many=True).data)


class SpecimenDetailApi(APIView):
    @extend_schema(
        operation_id="specimens_retrieve", responses={200: SpecimenDetailSerializer, **_errors(404)}
    )
    def get(self, request, specimen_id: int):
        specimen = get_specimen(request.user, specimen_id)
        return Response(SpecimenDetailSerializer(selectors.specimen_detail(specimen=specimen)).data)


class VolumeDetailApi(APIView):
    @extend_schema(
        operation_id="volumes_retrieve", responses={200: VolumeDetailSerializer, **_errors(404)}
    )
    def get(self, request, volume_id: int):
        volume = get_volume(request.user, volume_id)
        return Response(VolumeDetailSerializer(selectors.volume_detail(volume=volume)).data)


class SectionDetailApi(APIView):
    @extend_schema(
        operation_id="sections_retrieve", responses={200: SectionDetailSerializer, **_errors(404)}
    )
    def get(self, request, section_id: int):
        section = get_section(request.user, section_id)
        return Response(SectionDetailSerializer(selectors.section_detail(section=section)).data)


class SectionImageQuerySerializer(serializers.Serializer):
    lo = serializers.FloatField(
        required=False, help_text="Display window low end (RI or intensity)."
    )
    hi = serializers.FloatField(
        required=False, help_text="Display window high end; must exceed lo."
    )
    size = serializers.IntegerField(
        required=False,
        min_value=section_images.IMAGE_SIZE_RANGE[0],
        max_value=section_images.IMAGE_SIZE_RANGE[1],
        help_text="Longest side in pixels (thumbnails); never enlarged.",
    )
    tint = serializers.ChoiceField(choices=list(TINTS), required=False, default="gray")


class FirstRendererNegotiation(BaseContentNegotiation):
    """An <img> asks for image/*; errors are still answered in JSON rather than with 406."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class SectionImageApi(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        operation_id="sections_image",
        parameters=[
            SectionImageQuerySerializer,
            OpenApiParameter(
                "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False
            ),
        ],
        responses={
            (200, "image/png"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The rendered section."
            ),
            304: OpenApiResponse(description="Unchanged since the ETag the client holds."),
            **_errors(400, 404),
        },
    )
    def get(self, request, section_id: int):
        source = section_images.section_image_source(user=request.user, section_id=section_id)
        # Parsed by hand: this is the hottest endpoint, and a serializer costs more than the rest.
        params = section_images.section_image_params(request.query_params)
        spec = section_images.section_image_spec(source=source, **params)
        if section_images.etag_matches(spec.etag, request.headers.get("If-None-Match", "")):
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(
                section_images.section_image_png(spec=spec), content_type="image/png"
            )
        response["ETag"] = spec.etag
        patch_cache_control(response, private=True, max_age=settings.SECTION_IMAGE_MAX_AGE)
        return response
